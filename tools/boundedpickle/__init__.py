"""A bounded pickle machine: reads untrusted pickles (protocols 0-5) without executing anything.

Python's own `pickle.Unpickler`, even with `find_class` restricted, trusts the stream in ways a
hostile file exploits: it hashes whatever a dict key or set element is (1.6 KB of shared nested
tuples hash for longer than the universe lasts, inside C, uninterruptible), it applies `BUILD` to any
object on the stack (including the allow-list's own shared objects, so one file can change how the
next one is read), it decodes ints of any length and grows its memo and stack without bound.

`PickleMachine` is a stack machine written in Python that interprets each opcode itself:

- globals come only from the caller's `resolve_global`; a global is either a `PickleCallable`
  (called by `REDUCE`) or a constant the caller owns (pushed as is, never called or modified);
- dict keys and set elements are only `str` and `int`, whose hashing is linear in their size;
- a container may be modified only until it is first placed inside another one or passed to a call:
  structures are acyclic, their depth is known when they are built and bounded by `limits.depth`;
- `BUILD` applies only to an object a `PickleCallable` with a `set_state` just created, once;
- `INST`, `OBJ`, `NEWOBJ`, `NEWOBJ_EX`, the extension registry and out-of-band buffers are refused;
- opcodes, objects, memo entries and int sizes are counted against `PickleLimits`, across every
  pickle one machine loads, so the work done on any input is bounded by the limits.

Every problem is a `PickleError` whose message is one line; strings quoted from the pickle are
escaped by `shown`.
"""

from .errors import ForbiddenGlobal, PickleError, escaped, shown
from .machine import PickleCallable, PickleLimits, PickleMachine, check_key

__all__ = [
    "ForbiddenGlobal", "PickleCallable", "PickleError", "PickleLimits", "PickleMachine", "check_key", "escaped", "shown",
]
