-- wrk script for bench/load.py: rotate over a mix of requests, tally every status.
--
-- The mix is a file named by LOAD_MIX, one request a line: the path, then
-- its headers ("Name: value"), separated by tabs. bench/load.py writes it
-- with the session cookies and API tokens it got by logging in.
--
-- Every thread pre-formats the whole mix once and starts at its own place
-- in it. done() prints two kinds of lines for bench/load.py to read:
--   load-result key=value ...   (requests, duration and latency in microseconds, socket errors)
--   load-status STATUS COUNT    (one line per HTTP status seen, from every thread)

local mix = {}

local function split(line)
   local fields = {}
   for field in string.gmatch(line, "[^\t]+") do
      table.insert(fields, field)
   end
   return fields
end

local source = os.getenv("LOAD_MIX")
if source then
   for line in io.lines(source) do
      local fields = split(line)
      if #fields > 0 then
         local headers = {}
         for i = 2, #fields do
            local name, value = string.match(fields[i], "^([^:]+):%s*(.*)$")
            headers[name] = value
         end
         table.insert(mix, { path = fields[1], headers = headers })
      end
   end
end

local threads = {}

function setup(thread)
   thread:set("thread_number", #threads)
   table.insert(threads, thread)
end

local requests = {}
local position = 0
statuses = {}

function init(args)
   if #mix == 0 then
      error("LOAD_MIX names no file, or an empty one")
   end
   for i, item in ipairs(mix) do
      requests[i] = wrk.format("GET", item.path, item.headers)
   end
   -- each thread starts elsewhere in the mix, so they do not ask for the same page at once
   position = ((thread_number or 0) * 11) % #requests
end

function request()
   position = position % #requests + 1
   return requests[position]
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local tally = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses") or {}
      for status, count in pairs(counts) do
         tally[status] = (tally[status] or 0) + count
      end
   end
   local errors = summary.errors
   io.write(string.format(
      "load-result requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "connect=%d read=%d write=%d timeout=%d status=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      errors.connect, errors.read, errors.write, errors.timeout, errors.status))
   for status, count in pairs(tally) do
      io.write(string.format("load-status %d %d\n", status, count))
   end
end
