"""A structural change confined to component schemas: rebuild only the steps of the IR build that
read what changed, and check that a full build would have made the same of everything else.

A full run records, per step of the build (one model, one operation; see record.py), the units of
the spec it read, the slots it made and the models whose interface it took; :func:`state_of` keeps
that with the builder's names. When only some ``components/schemas`` entries changed (same names,
same order), :func:`rebuild` restores the builder, builds again the models and operations whose
steps read a changed entry, and compares. It gives up when anything could
come out otherwise than in a full build (it raises Diverged, and the full path is taken):

- the skeleton of the build (names, paths, operation ids) read a changed entry, or a step to redo
  met something this does not redo exactly (a reference to a schema that is not a component, a
  step started inside an inlined reference, a request-shape computation through a cycle);
- the import cycles of a module not redone changed, or a model redone is in a cycle that holds a
  type alias (what a model in progress looks like to those referring to it then depends on the
  order a full build meets them in), or a model's interface (name, module, kind, tagged classes)
  changed, or it made a model under a name it did not want, or dropped one whose name another model
  wanted or another step used;
- an operation redone comes out different, or a request-shape answer changed.

What it gives back is enough to render the model modules redone (and ``types/__init__.py`` if its
list of models changed); every other file is as the last run left it (see incremental.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable
from urllib.parse import unquote

from . import load
from .config import Config
from .diagnostics import GenerationError, parse_pointer
from .ir import Import, Model, Operation, TypeModule, TypeRef
from .load import Located, Spec
from .operations import resource_class_names
from .record import Record
from .schemas import _TYPES, Cycles, SchemaBuilder, _ModelSlot, place, type_module
from .texts import Texts, collecting

_STATE_VERSION = 1


def state_of(record: Record, api: Any, spec: Spec) -> dict[str, Any] | None:
    """What :func:`rebuild` needs of a full build (marshal-able), or None if it cannot be kept."""
    b: SchemaBuilder | None = record.builder
    if b is None or len(spec.documents()) != 1:
        return None
    doc = spec.root
    key = str(doc.path)

    def reads(found: set[Any]) -> list[tuple[str, ...]]:
        return _reads(found, doc)

    if any(slot.model is None for slot in b.slots.values()):
        return None
    slots = [_entry(slot) for slot in b.slots.values()]
    cyclic = sorted(m.class_name for module in api.type_modules for m in module.models if m.in_cycle)
    index = [(module.module, [(m.class_name, m.recursive, m.rebuild, bool(m.deferred_imports)) for m in module.models]) for module in api.type_modules]
    targets: dict[tuple[str, ...], list[str]] = {}
    for ref in getattr(spec, "root_refs", ()):
        if ref.startswith("#"):
            try:
                parts = tuple(parse_pointer(unquote(ref[1:])))
            except ValueError:
                continue
            targets.setdefault(load.unit(parts), []).append(ref)
    names = set().union(*(resource_class_names(resource.attr) for resource in api.all_resources))
    return {
        "version": _STATE_VERSION,
        "doc": key,
        "slots": slots,
        "class_names": sorted(b.class_names),
        "module_names": sorted(b.module_names),
        "differs": sorted(b._differs.items()),
        "reads": {step: reads(r) for step, r in record.reads.items()},
        "keyed": {step: reads(r) for step, r in record.keyed.items()},
        "skeleton": reads(record.skeleton),
        "created": dict(record.created),
        "used": {step: sorted(u) for step, u in record.used.items()},
        "odd": sorted(record.odd, key=repr),
        "owner": dict(record.owner),
        "differs_group": dict(record.differs_group),
        "differs_reads": {top: reads(r) for top, r in record.differs_reads.items()},
        "differs_cyclic": sorted(record.differs_cyclic),
        "suffixed": dict(record.suffixed),
        "operation_at": dict(record.operation_at),
        "cyclic": cyclic,
        #: Module -> the modules it imports that import it back (only modules in a cycle).
        "module_cyclic": {m: sorted(c) for m, c in record.builder_cycles.cyclic.items() if c} if record.builder_cycles else {},
        "index": index,
        "resource_names": sorted(names),
        #: Unit -> the reference strings of the document that lead into it.
        "ref_targets": targets,
    }


def _entry(slot: _ModelSlot) -> tuple[Any, ...]:
    """A built slot as the state keeps it: (key, class name, module, owned, alias annotation or
    None, tagged classes, imports as (module, name), keys of its inline slots)."""
    assert slot.model is not None
    alias = slot.model.alias.annotation if slot.model.alias is not None else None
    uses = sorted((i.module, i.name) for i in slot.uses)
    return (slot.key, slot.class_name, slot.module, slot.owned, alias, slot.tagged_classes, uses, [c.key for c in slot.inline])


def _reads(found: set[Any], doc: Any) -> list[tuple[str, ...]]:
    """The units of ``doc`` among ``found`` (reads noted as (``id`` of a document, unit))."""
    return sorted(u for d, u in found if d == id(doc))


@dataclass
class Rebuilt:
    #: Model modules made again, by module name.
    modules: dict[str, TypeModule]
    #: Every module (stubs for those not made again, enough for ``types/__init__.py``) if the list
    #: of models changed, else None.
    index_modules: tuple[TypeModule, ...] | None
    #: The state for the next run (see :func:`state_of`).
    state: dict[str, Any]


class Diverged(Exception):
    """The rebuild cannot stand for a full build."""


def _hit(reads: list[tuple[str, ...]], changed: set[tuple[str, ...]]) -> bool:
    """Whether some read saw something of a changed unit: one holds the other (changed units are
    component entries; a read of ``components`` holds them all)."""
    holders = _holders(changed)
    return any(r in holders or r[:3] in changed for r in reads)


_HOLDERS: dict[frozenset[tuple[str, ...]], set[tuple[str, ...]]] = {}


def _holders(changed: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """The changed units and every unit above one (a read of ``components`` sees them all)."""
    key = frozenset(changed)
    found = _HOLDERS.get(key)
    if found is None:
        found = _HOLDERS[key] = {c[:n] for c in changed for n in range(1, len(c) + 1)}
    return found


def rebuild(
    state: dict[str, Any],
    spec: Spec,
    config: Config,
    changed: set[tuple[str, ...]],
    texts: Texts,
    old_operation: Callable[[tuple[tuple[str, ...], int]], Operation | None],
    old_units: dict[tuple[str, ...], Any],
) -> Rebuilt:
    """The model modules to make again after ``changed`` units (component schemas) changed; raises
    :class:`Diverged` if this cannot be done exactly as a full build would (see the module's
    docstring; a GenerationError or RecursionError of the build says the same). ``texts`` holds
    the last run's texts (it receives those read again); ``old_operation`` gives the last run's
    operation at (resource path, position); ``old_units`` the changed units' data as the last run
    read them."""
    if state.get("version") != _STATE_VERSION or state["doc"] != str(spec.root.path) or len(spec.documents()) != 1:
        raise Diverged("the state is of another version or spec")
    if _hit(state["skeleton"], changed):
        raise Diverged("the skeleton read a changed unit")
    steps = [step for step, reads in state["reads"].items() if _hit(reads, changed)]
    # Steps that read only some keywords of a changed unit are redone if one of those changed.
    moved: dict[tuple[str, ...], bool] = {}

    def keyword_moved(pointer: tuple[str, ...]) -> bool:
        if pointer not in moved:
            unit = load.unit(pointer)
            rest = pointer[len(unit):]
            moved[pointer] = unit in changed and _value_at(old_units.get(unit, _MISSING), rest) != _value_at(
                _value_at(spec.root.data, unit, raw=True)[1], rest
            )
        return moved[pointer]

    steps += [
        step for step, pointers in state["keyed"].items()
        if any(p[:3] in changed and keyword_moved(p) for p in pointers) and step not in steps
    ]
    odd = set(state["odd"])
    if odd.intersection(steps):
        raise Diverged("a step to redo met something not redone exactly")
    groups = {top for top, reads in state["differs_reads"].items() if _hit(reads, changed)}
    if groups & set(state["differs_cyclic"]):
        raise Diverged("a request-shape computation to redo went through a cycle")

    # --- the builder, as the full build left it ------------------------------------------------------
    record = Record()
    b = SchemaBuilder(spec, config, record=record)
    entries = {entry[0]: entry for entry in state["slots"]}
    for key, class_name, module, owned, alias, tagged, uses, _ in state["slots"]:
        model = Model(class_name, module, None, alias=TypeRef(alias, frozenset()) if alias is not None else None)
        slot = _ModelSlot(class_name, module, None, key[2], model, owned=owned, key=key)  # type: ignore[arg-type]
        slot.tagged_classes = tuple(tagged)
        b.slots[key] = slot
    for key, *_, inline in state["slots"]:
        b.slots[key].inline = [b.slots[k] for k in inline]
    b.class_names = set(state["class_names"])
    b.module_names = set(state["module_names"])
    differs_group = state["differs_group"]
    dropped = {key for key, top in differs_group.items() if top in groups} | groups
    old_differs = dict(state["differs"])
    b._differs = {key: value for key, value in old_differs.items() if key not in dropped}

    # --- what to redo ----------------------------------------------------------------------------------
    owner = state["owner"]

    def top_of(key: Any) -> Any:
        while key in owner:
            key = owner[key]
        return key

    op_steps = [s for s in steps if len(s) == 2 and s[0] == "op"]
    slot_steps = [s for s in steps if s not in op_steps]
    tops: list[Any] = []
    for step in slot_steps:
        top = top_of(step)
        if top not in tops:
            tops.append(top)
    order = {entry[0]: n for n, entry in enumerate(state["slots"])}
    tops.sort(key=lambda k: order[k])
    cyclic = set(state["cyclic"])
    family: dict[Any, list[Any]] = {}
    for top in tops:
        members = []
        pending = [top]
        while pending:
            key = pending.pop()
            members.append(key)
            pending.extend(entries[key][7])
        family[top] = members

    # Each family's inline models are made again by its top model's build, in order.
    removed: dict[Any, tuple[str, str]] = {}
    for top in tops:
        slot = b.slots[top]
        for key in family[top][1:]:
            gone = b.slots.pop(key)
            b.class_names.discard(gone.class_name)
            removed[key] = (gone.class_name, gone.module)
        slot.inline = []
        slot.model = None
        node = _node(spec, top)
        assert node is not None
        slot.node = node

    # --- redo ------------------------------------------------------------------------------------------
    with collecting(texts):
        for top in tops:
            slot = b.slots[top]
            if slot.model is None:  # not already made again inside another
                b.model_for(slot.node, request=slot.request)
        new_ops = _redo_operations(b, spec, config, op_steps)
        # Every request-shape answer dropped above, asked again (as a full build would answer it).
        for key in sorted(dropped):
            node = _node(spec, (key[0], key[1], False), missing_ok=True)
            if node is not None and b._request_differs(node) != old_differs[key]:
                raise Diverged("a request-shape answer changed")
    redone = set(tops) | {k for top in tops for k in family[top]} | set(op_steps)
    if record.odd or record.differs_cyclic:
        raise Diverged("the rebuild met something not redone exactly")

    # --- compare ---------------------------------------------------------------------------------------
    for step in op_steps:
        at = state["operation_at"].get(step)
        old = old_operation(at) if at is not None else None
        new = new_ops.get(step)
        if old is None or new is None or replace(new, method_name=old.method_name) != old:
            raise Diverged("an operation changed")
    made = {key for keys in record.created.values() for key in keys}
    for key in made:
        if key in removed:
            if (b.slots[key].class_name, b.slots[key].module) != removed[key]:
                raise Diverged("a model made again got another name")
        elif key in entries or top_of_new(b, key) not in tops or key in record.suffixed:
            raise Diverged("a new model outside the models redone, or under a name it did not want")
    used_elsewhere = {k for step, keys in state["used"].items() if step not in redone for k in keys}
    suffixed_wants = {wanted for key, (wanted, _m) in state["suffixed"].items() if key in b.slots}
    for key, (name, _module) in removed.items():
        if key not in made and (key in used_elsewhere or any(_candidate(name, w) for w in suffixed_wants)):
            raise Diverged("a model dropped that another step used or whose name another wanted")
        if key in made and key in used_elsewhere and _interface(_entry(b.slots[key])) != _interface(entries[key]):
            raise Diverged("the interface of a model another step uses changed")
    new_names = {b.slots[k].class_name for k in made if k not in removed}
    if new_names & set(state["resource_names"]):
        raise Diverged("a new model takes a name a resource class checks")
    for top in tops:
        if _interface(_entry(b.slots[top])) != _interface(entries[top]):
            raise Diverged("the interface of a model changed")

    # --- finish the modules redone ---------------------------------------------------------------------
    module_of = {s.class_name: s.module for s in b.slots.values()}
    redone_modules: dict[str, list[_ModelSlot]] = {}
    for top in tops:
        by_module: dict[str, list[_ModelSlot]] = {}
        place(b.slots[top], by_module)
        redone_modules.update(by_module)
    in_cycles = any(entries[k][1] in cyclic for top in tops for k in family[top])
    if not in_cycles:
        try:
            # Each model's imports (as (module, name)): the last run's, but for the models redone.
            uses_of: dict[str, Any] = {entry[1]: entry[6] for entry in state["slots"]}
            for members in redone_modules.values():
                uses_of.update({s.class_name: [(i.module, i.name) for i in s.uses] for s in members})
            for members in redone_modules.values():
                _check_acyclic(members, module_of, uses_of)
        except Diverged:
            in_cycles = True
    modules: dict[str, TypeModule] = {}
    if not in_cycles:
        for module, members in redone_modules.items():
            modules[module] = type_module(module, members, set(), set())
    else:
        redone_keys = {s.key for members in redone_modules.values() for s in members}
        for entry in state["slots"]:  # the imports of the models not redone, for the cycles
            if entry[0] not in redone_keys and entry[0] in b.slots:
                b.slots[entry[0]].uses = {Import(m, n) for m, n in entry[6]}
        cycles = _same_cycles(b, state, redone_modules, cyclic)
        for module, members in redone_modules.items():
            modules[module] = type_module(module, members, cycles.cyclic[module], cycles.recursive)
    index = [(m, [(c, r, rb, d) for c, r, rb, d in ms]) for m, ms in state["index"]]
    new_index = [
        (m, [(x.class_name, x.recursive, x.rebuild, bool(x.deferred_imports)) for x in modules[m].models]) if m in modules else (m, ms)
        for m, ms in index
    ]
    index_modules = None
    if new_index != index:
        index_modules = tuple(
            TypeModule(m, tuple(Model(c, m, None, recursive=r, rebuild=rb, deferred_imports=("",) if d else ()) for c, r, rb, d in ms))
            for m, ms in new_index
        )
    return Rebuilt(modules, index_modules, _next_state(state, b, record, redone, dropped, new_index, family, tops))


_MISSING: Any = object()


def _value_at(data: Any, parts: tuple[str, ...], *, raw: bool = False) -> tuple[bool, Any]:
    """(whether there is a value at ``parts`` under ``data``, marshal's bytes of it, or with ``raw``
    the value itself): bytes are equal only for the same data (``1`` and ``true`` differ, as do
    key orders)."""
    import marshal

    if data is _MISSING:
        return False, _MISSING
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return False, _MISSING
    if raw:
        return True, data
    try:
        return True, marshal.dumps(data, 2)
    except ValueError:
        return True, repr(data)


def _interface(entry: tuple[Any, ...]) -> tuple[Any, ...]:
    """What other models and operations take of a model: name, module, alias (kind), tagged classes."""
    return (entry[1], entry[2], entry[4], tuple(entry[5]))


def _candidate(name: str, wanted: str) -> bool:
    """Whether naming.unique, asked for ``wanted``, tries ``name`` on the way (``Pet``, ``Pet2``...)."""
    rest = name[len(wanted):]
    return name.startswith(wanted) and (not rest or rest.lstrip("_").isdigit() and rest.count("_") <= 1)


def top_of_new(b: SchemaBuilder, key: Any) -> Any:
    """The top (not inline) model a slot of ``b`` is written in."""
    record = b.record
    assert record is not None
    while key in record.owner:
        key = record.owner[key]
    return key


def _same_cycles(b: SchemaBuilder, state: dict[str, Any], redone: dict[str, list[_ModelSlot]], cyclic: set[str]) -> Cycles:
    """The cycles after the rebuild, if every module not redone is in the same cycles as before and
    the models redone that are in a cycle (before or after) are classes in cycles of classes only
    (then a full build's order, which decides what a model in progress looks like to those referring
    to it, makes no difference); else raise."""
    cycles = Cycles.of(b.slots.values())
    old_cyclic: dict[str, list[str]] = state["module_cyclic"]
    old_recursive = {name for _, models in state["index"] for name, recursive, *_ in models if recursive}
    for module, members in cycles.by_module.items():
        if module in redone:
            continue
        if sorted(cycles.cyclic[module]) != old_cyclic.get(module, []):
            raise Diverged("the import cycles of a module not redone changed")
        if any((s.class_name in cycles.recursive) != (s.class_name in old_recursive) for s in members):
            raise Diverged("a model not redone entered or left a cycle")
    by_name = {s.class_name: s for s in b.slots.values()}
    members_of: dict[int, list[str]] = {}
    for name, number in cycles.component.items():
        members_of.setdefault(number, []).append(name)
    for members in redone.values():
        for slot in members:
            name = slot.class_name
            group = members_of.get(cycles.component.get(name, -1), [name])
            refers_to_itself = any(i.name == name and i.module.startswith(_TYPES) for i in slot.uses)
            if len(group) > 1 or refers_to_itself or name in cyclic:
                if any(by_name[n].model is None or by_name[n].model.alias is not None for n in group):  # type: ignore[union-attr]
                    raise Diverged("a model redone is in a cycle with a type alias")
    return cycles


def _check_acyclic(members: list[_ModelSlot], module_of: dict[str, str], uses_of: dict[str, Any]) -> None:
    """Raise unless no class of ``members`` (one module) reaches its module again through imports."""
    here = members[0].module
    names = {s.class_name for s in members}
    def targets(name: str) -> set[str]:
        return {n for m, n in uses_of.get(name, ()) if m.startswith(_TYPES) and n in module_of}

    # Within the module: no class may reach itself.
    graph = {n: targets(n) & names for n in names}
    state: dict[str, int] = {}

    def visit(n: str) -> None:
        state[n] = 1
        for m in graph[n]:
            if state.get(m) == 1:
                raise Diverged("a model redone refers to itself")
            if m not in state:
                visit(m)
        state[n] = 2

    for n in sorted(names):
        if n not in state:
            visit(n)
    # Through other modules: none may lead back here.
    seen: set[str] = set()
    pending = [t for n in names for t in targets(n) if module_of[t] != here]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if module_of[name] == here:
            raise Diverged("a model redone is now in an import cycle")
        pending.extend(targets(name))


def _node(spec: Spec, key: Any, *, missing_ok: bool = False) -> Located | None:
    """The root document's node at the slot ``key``'s pointer (not noted as a read)."""
    _, parts, _ = key
    doc = spec.root
    found, value = _value_at(doc.data, tuple(parts), raw=True)
    if not found:
        if missing_ok:
            return None
        raise Diverged(f"no node at {parts}")
    outer = load.reads
    load.reads = None
    try:
        return Located(doc, tuple(parts), value)
    finally:
        load.reads = outer


def _redo_operations(b: SchemaBuilder, spec: Spec, config: Config, steps: list[Any]) -> dict[Any, Operation]:
    from .build import operation_names
    from .operations import OperationBuilder

    if not steps:
        return {}
    wanted = {step[1] for step in steps}
    ops = OperationBuilder(b)
    out: dict[Any, Operation] = {}
    with b.unrecorded():
        found = [(i, entry) for i, entry in enumerate(ops.operations()) if i in wanted]
    for index, (op, method, key, item, _) in found:
        _, cfg, _, method_name = operation_names(config, op, method, key)
        with b.step(("op", index)):
            out[("op", index)] = ops.build_operation(op, method, key, item, cfg, method_name)
    return out


def _next_state(
    state: dict[str, Any], b: SchemaBuilder, record: Record, redone: set[Any], dropped: set[Any],
    index: list[Any], family: dict[Any, list[Any]], tops: list[Any],
) -> dict[str, Any]:
    """``state`` with what the rebuild read and made in place of what the steps redone had."""
    doc = b.spec.root

    def reads(found: set[Any]) -> list[tuple[str, ...]]:
        return _reads(found, doc)

    # The slots, in the order of the full build: each family's members where its old ones were.
    slots = []
    placed: set[Any] = set()
    old_family = {k: top for top in tops for k in family[top]}
    for entry in state["slots"]:
        key = entry[0]
        top = old_family.get(key)
        if top is None:
            slots.append(entry)
            continue
        if key != top:
            continue
        # The top first (its place), then its members as the rebuild declared them.
        for k in [top] + _members(b, top):
            if k in placed:
                continue
            placed.add(k)
            slots.append(_entry(b.slots[k]))

    def merged(old: dict[Any, Any], new: dict[Any, Any]) -> dict[Any, Any]:
        out = {k: v for k, v in old.items() if k not in redone}
        out.update(new)
        return out

    created = merged(state["created"], record.created)
    owner = {k: v for k, v in state["owner"].items() if k in b.slots}
    owner.update(record.owner)
    suffixed = {k: v for k, v in state["suffixed"].items() if k in b.slots}
    suffixed.update(record.suffixed)
    groups = {top for top in state["differs_reads"] if top in dropped}
    differs_group = {k: v for k, v in state["differs_group"].items() if v not in groups and k not in dropped}
    differs_group.update(record.differs_group)
    differs_reads = {k: v for k, v in state["differs_reads"].items() if k not in groups}
    differs_reads.update({top: reads(r) for top, r in record.differs_reads.items()})
    return {
        **state,
        "slots": slots,
        "class_names": sorted(b.class_names),
        "module_names": sorted(b.module_names),
        "differs": sorted(b._differs.items()),
        "reads": merged(state["reads"], {step: reads(r) for step, r in record.reads.items()}),
        "keyed": merged(state["keyed"], {step: reads(r) for step, r in record.keyed.items()}),
        "created": created,
        "used": merged(state["used"], {step: sorted(u) for step, u in record.used.items()}),
        "owner": owner,
        "differs_group": differs_group,
        "differs_reads": differs_reads,
        "suffixed": suffixed,
        "index": index,
    }


def _members(b: SchemaBuilder, top: Any) -> list[Any]:
    out = []
    pending = list(reversed(b.slots[top].inline))
    while pending:
        slot = pending.pop()
        out.append(slot.key)
        pending.extend(reversed(slot.inline))
    return out
