"""Workflow definitions: read from ``workflows/*.toml``, checked, turned into machines.

A definition is data a municipality may edit (who signs which gate, who fires
a transition, titles). It is checked when the app starts, so a typo in a state
name or a gate nobody can reach stops the portal with a message naming the
file and the entry, instead of surfacing as a stuck plan weeks later.

Each definition gets exactly one ``transitions.Machine`` built with
``model=None``: the rows are not added to it (that would cost memory and a
list search per row); the engine triggers events on whichever row it loaded.
"""
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from transitions import Machine

from ..access import ROLES

LANGUAGES = ("nb", "nn", "en")
# The keys each table may have: a misspelt one (``editible``) would otherwise be silently ignored.
KEYS = {
    "file": {"workflow", "states", "transitions"},
    "workflow": {"name", "initial", "title"},
    "state": {"title", "editable"},
    "transition": {"name", "source", "dest", "roles", "guards", "signoffs", "comment_required", "actions", "title",
                   "automatic"},
}


class DefinitionError(Exception):
    """A workflow file that cannot be used; the message names the file and the fault."""


@dataclass(frozen=True)
class State:
    """A stage the object can be in, and which parts of it may be edited there."""

    name: str
    title: dict
    editable: frozenset = frozenset()


@dataclass(frozen=True)
class Transition:
    """A step out of ``sources`` into ``dest``, and what it takes to fire it."""

    name: str
    sources: tuple
    dest: str
    roles: frozenset
    title: dict
    guards: tuple = ()
    signoffs: tuple = ()
    comment_required: bool = False
    automatic: bool = False  # fired by the engine itself once its last required approval arrives
    actions: tuple = ()


@dataclass
class Definition:
    """A checked workflow: its states, transitions and the one machine that runs them."""

    name: str
    title: dict
    initial: str
    states: dict
    transitions: list
    machine: Machine = field(default=None, repr=False)

    def transitions_from(self, state):
        """The transitions that leave ``state``, in file order."""
        return [t for t in self.transitions if state in t.sources]

    def transition(self, name, state):
        """The transition called ``name`` out of ``state``, or ``None``."""
        for candidate in self.transitions_from(state):
            if candidate.name == name:
                return candidate
        return None

    def capacities_at(self, state):
        """Every capacity some gate out of ``state`` needs, in file order, without repeats."""
        seen = []
        for transition in self.transitions_from(state):
            seen.extend(c for c in transition.signoffs if c not in seen)
        return tuple(seen)

    def states_needing(self, capacity):
        """The states in which ``capacity`` is asked to sign (for worklists)."""
        return [s for s in self.states if capacity in self.capacities_at(s)]

    def editable(self, state, part):
        """Whether ``part`` of the object may be changed in ``state``."""
        return part in self.states[state].editable

    @property
    def transition_names(self):
        """Each transition name once, in file order."""
        return list(dict.fromkeys(t.name for t in self.transitions))


def title_in(titles, locale):
    """The title in ``locale``, falling back to bokmål."""
    return titles.get(str(locale)[:2]) or titles["nb"]


def load_all(directory, known):
    """Read every ``*.toml`` in ``directory``; ``known`` maps workflow names to their checks.

    ``known[name]`` has ``guards``, ``actions`` and ``capacities`` (names the
    code provides). A file for a workflow no code handles is refused too.
    """
    definitions = {}
    for path in sorted(Path(directory).glob("*.toml")):
        definition = load(path, known)
        if definition.name in definitions:
            raise DefinitionError(f"{path}: workflow {definition.name!r} is defined twice")
        definitions[definition.name] = definition
    missing = set(known) - set(definitions)
    if missing:
        raise DefinitionError(f"{directory}: no definition for workflow(s) {', '.join(sorted(missing))}")
    return definitions


def load(path, known):
    """Read and check one definition file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DefinitionError(f"{path}: cannot be read: {error}") from None
    try:
        definition = _parse(data, known)
        _check(definition, known[definition.name])
    except DefinitionError as error:
        raise DefinitionError(f"{path}: {error}") from None
    definition.machine = _machine(definition)
    return definition


def _parse(data, known):
    _only(data, "file", "the file")
    head = data.get("workflow")
    if not isinstance(head, dict) or not isinstance(head.get("name"), str):
        raise DefinitionError("[workflow] with a name is missing")
    _only(head, "workflow", "[workflow]")
    if head["name"] not in known:
        raise DefinitionError(f"no code handles workflow {head['name']!r} (known: {', '.join(sorted(known))})")
    if not isinstance(head.get("initial"), str):
        raise DefinitionError("[workflow] needs the name of its initial state")
    states = {}
    for name, spec in _table(data, "states").items():
        if not isinstance(spec, dict):
            raise DefinitionError(f"state {name!r} must be a table ([states.{name}])")
        _only(spec, "state", f"state {name!r}")
        states[name] = State(name, _titles(spec, f"state {name!r}"), frozenset(_names(spec, "editable", name)))
    transitions = [_transition(i, spec) for i, spec in enumerate(_list(data, "transitions"))]
    return Definition(head["name"], _titles(head, "[workflow]"), head.get("initial"), states, transitions)


def _transition(index, spec):
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise DefinitionError(f"transition #{index + 1} has no name")
    name = spec["name"]
    where = f"transition {name!r}"
    _only(spec, "transition", where)
    if not isinstance(spec.get("dest"), str):
        raise DefinitionError(f"{where} has no dest")
    sources = _names(spec, "source", where)
    if not sources:
        raise DefinitionError(f"{where} has no source")
    if not _names(spec, "roles", where):
        raise DefinitionError(f"{where}: roles must name who may fire it")
    for flag in ("comment_required", "automatic"):
        if not isinstance(spec.get(flag, False), bool):
            raise DefinitionError(f"{where}: {flag} must be true or false")
    return Transition(
        name=name,
        sources=tuple(sources),
        dest=spec["dest"],
        roles=frozenset(_names(spec, "roles", where)),
        title=_titles(spec, where),
        guards=tuple(_names(spec, "guards", where)),
        signoffs=tuple(_names(spec, "signoffs", where)),
        comment_required=bool(spec.get("comment_required", False)),
        automatic=bool(spec.get("automatic", False)),
        actions=tuple(_names(spec, "actions", where)),
    )


def _only(table, kind, where):
    unknown = sorted(set(table) - KEYS[kind])
    if unknown:
        raise DefinitionError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(KEYS[kind]))})")


def _table(data, key):
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise DefinitionError(f"[{key}] is missing or empty")
    return value


def _list(data, key):
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise DefinitionError(f"[[{key}]] is missing or empty")
    return value


def _names(spec, key, where):
    value = spec.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DefinitionError(f"{where}: {key} must be a list of names")
    return value


def _titles(spec, where):
    titles = spec.get("title")
    if not isinstance(titles, dict) or not all(isinstance(titles.get(lang), str) and titles[lang] for lang in LANGUAGES):
        raise DefinitionError(f"{where} needs a title in {', '.join(LANGUAGES)}")
    return dict(titles)


def _check(definition, provided):
    """Refuse unknown names, duplicate transitions and states nobody can reach."""
    states = definition.states
    if definition.initial not in states:
        raise DefinitionError(f"initial state {definition.initial!r} is not a state")
    seen = set()
    for t in definition.transitions:
        where = f"transition {t.name!r}"
        for state in (*t.sources, t.dest):
            if state not in states:
                raise DefinitionError(f"{where} names unknown state {state!r}")
        for source in t.sources:
            if (t.name, source) in seen:
                raise DefinitionError(f"{where} is defined twice from state {source!r}")
            seen.add((t.name, source))
        _known(where, "roles", t.roles, ROLES)
        _known(where, "guards", t.guards, provided.guards)
        _known(where, "actions", t.actions, provided.actions)
        _known(where, "signoffs", t.signoffs, provided.capacities)
    for state in states.values():
        _known(f"state {state.name!r}", "editable", state.editable, provided.parts)
    unreachable = set(states) - _reachable(definition)
    if unreachable:
        raise DefinitionError(f"state(s) {', '.join(sorted(unreachable))} cannot be reached from {definition.initial!r}")


def _known(where, what, names, allowed):
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise DefinitionError(f"{where}: unknown {what} {', '.join(unknown)} (known: {', '.join(sorted(allowed))})")


def _reachable(definition):
    found, todo = {definition.initial}, deque([definition.initial])
    while todo:
        for t in definition.transitions_from(todo.popleft()):
            if t.dest not in found:
                found.add(t.dest)
                todo.append(t.dest)
    return found


def _machine(definition):
    """One machine for the definition; rows are passed to it when an event fires."""
    machine = Machine(
        model=None,
        states=list(definition.states),
        initial=definition.initial,
        auto_transitions=False,
        send_event=True,
    )
    for t in definition.transitions:
        machine.add_transition(t.name, list(t.sources), t.dest, conditions=[_cleared])
    return machine


def _cleared(event):
    """The machine's own condition: the engine passes ``cleared=True`` only after every check passed."""
    return event.kwargs.get("cleared") is True
