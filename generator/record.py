"""What a full IR build read and made, step by step: what lets a later run rebuild only the steps a
structural change reaches (see rebuild.py).

A *step* is the build of one model (keyed by its slot key) or of one operation (``("op", n)``, the
n-th operation in document order). While a step runs, every spec node the build makes a
:class:`~generator.load.Located` of is noted as a read of its *unit* (see :func:`load.unit`): the
step's output depends on nothing else of the spec. What it takes from other steps goes through
the builder (a model's name, module and kind: its *interface*), which the rebuild checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: A slot key: (document key, pointer parts, request shape).
SlotKey = tuple[str, tuple[str, ...], bool]
#: A step: a slot key, or ("op", index).
Step = Any
#: A unit read: (``id`` of the document during the build, unit parts); a document key after capture.
Read = tuple[Any, tuple[str, ...]]


@dataclass
class Record:
    #: Step -> the units it read.
    reads: dict[Step, set[Read]] = field(default_factory=dict)
    #: Step -> the keywords it read of schemas it took only those of (pointer parts of each keyword;
    #: see SchemaBuilder.deref_for): a change elsewhere in their units does not reach the step.
    keyed: dict[Step, set[Read]] = field(default_factory=dict)
    #: Reads made outside any step (the skeleton of the build: names, paths, operation ids).
    skeleton: set[Read] = field(default_factory=set)
    #: Step -> the slots it created, in order.
    created: dict[Step, list[SlotKey]] = field(default_factory=dict)
    #: Step -> the slots whose interface it took (``model_for`` through a ``$ref``).
    used: dict[Step, set[SlotKey]] = field(default_factory=dict)
    #: Steps that met something the rebuild does not redo (a ``$ref`` to a schema that is not a
    #: component schema, a step started inside an inlined reference).
    odd: set[Step] = field(default_factory=set)
    #: Owned (inline) slot -> the slot it is written in.
    owner: dict[SlotKey, SlotKey] = field(default_factory=dict)
    #: Request/response-shape memo: (document key, parts) -> the first call computing it.
    differs_group: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    #: Such a first call -> the units it read.
    differs_reads: dict[tuple[str, tuple[str, ...]], set[Read]] = field(default_factory=dict)
    #: First calls whose computation met a node in progress (a cycle: the result depends on order).
    differs_cyclic: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    #: Slots whose name or module is not the one wanted (taken already) -> (wanted name, module).
    suffixed: dict[SlotKey, tuple[str, str]] = field(default_factory=dict)
    #: Operation step -> (resource path, position among the resource's operations).
    operation_at: dict[Step, tuple[tuple[str, ...], int]] = field(default_factory=dict)
    #: The SchemaBuilder, once the build is done, and the cycles among its models (not kept: see
    #: rebuild.state_of).
    builder: Any = None
    builder_cycles: Any = None
