"""The bounded pickle machine: its loop, stack, memo, containers, globals and calls."""

import collections
import pickletools
import warnings
from dataclasses import dataclass
from typing import Callable

from .errors import PickleError, shown
from .scalars import ScalarOpcodes

@dataclass(frozen=True)
class PickleLimits:
    """Bounds on one machine's work, summed over every pickle it loads.

    The defaults are 6 to 16 times what the largest hidden-networks checkpoint needs (a
    WideResNet-101-2 state dict plus its SGD state, tests/craft.py's `resnet_checkpoint`: 31,000
    opcodes counting the elements calls receive, 14,000 objects, 4,900 memo entries, nesting 5 deep,
    11-byte ints), and small enough that the machine reaches any of them in well under a second.
    """

    opcodes: int = 500_000
    objects: int = 250_000
    memo: int = 50_000
    depth: int = 32
    int_bytes: int = 32  # LONG1/LONG4 payload; text ints may have up to 2.5 digits per byte


@dataclass(frozen=True)
class PickleCallable:
    """A global that `REDUCE` may call: `call(*args)` must validate its arguments itself, and check
    with `check_key` every key or element of a dict or set it builds, before building it.

    When `set_state` is given, each object `call` returns accepts one `BUILD`, before it is used
    anywhere, and `set_state(obj, state)` applies it (in place).
    """

    name: str
    call: Callable[..., object]
    set_state: Callable[[object, object], None] | None = None


_OPCODE_NAMES = {op.code.encode("latin-1")[0]: op.name for op in pickletools.opcodes}
_SCALAR_TYPES = (str, int, bool, float, bytes, bytearray, type(None))
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_DICT_TYPES = (dict, collections.OrderedDict)
_CONTAINER_TYPES = frozenset({tuple, list, dict, collections.OrderedDict, set, frozenset})
_REFUSED_OPCODES = {
    "INST": "it creates instances of arbitrary classes",
    "OBJ": "it creates instances of arbitrary classes",
    "NEWOBJ": "it creates instances of arbitrary classes",
    "NEWOBJ_EX": "it creates instances of arbitrary classes",
    "EXT1": "it names globals through the extension registry",
    "EXT2": "it names globals through the extension registry",
    "EXT4": "it names globals through the extension registry",
    "NEXT_BUFFER": "out-of-band buffers are not part of a file",
    "READONLY_BUFFER": "out-of-band buffers are not part of a file",
}


def check_key(key):
    """Refuse `key` as a dict key or set element unless it is a str (hashed with a random seed) or an int within
    64 bits (an int hashes to itself modulo 2**61 - 1, so unbounded ints could all collide and make every
    insertion slow). Nothing else is ever hashed: a tuple of shared nested tuples takes exponential time.

    A `PickleCallable` that builds a dict or set from its arguments must check each key with this first.
    """
    kind = type(key)
    if kind is str or kind is bool or (kind is int and _INT64_MIN <= key <= _INT64_MAX):
        return
    raise PickleError(f"refusing a dict key or set element that is {shown(key)} (only str and 64-bit int)")


class _Stop(Exception):
    """Raised by the STOP opcode to leave the interpreter loop."""


class PickleMachine(ScalarOpcodes):
    """Loads pickles with `resolve_global(module, name)` for globals and `persistent_load(pid)` for
    persistent ids (both may raise; their exceptions pass through), within `limits`.

    One machine may load several pickles (the legacy torch format has five in a row): the counters
    of `limits` cover them all, the memo is per pickle.
    """

    def __init__(self, resolve_global, persistent_load=None, limits: PickleLimits = PickleLimits()):
        self._resolve_global = resolve_global
        self._persistent_load = persistent_load
        self.limits = limits
        self.opcodes = 0
        self.objects = 0
        self._dispatch = {code: getattr(self, "_op_" + name) for code, name in _OPCODE_NAMES.items()
                          if name not in _REFUSED_OPCODES}

    def load(self, data: bytes, start: int = 0):
        """Interpret the pickle at `data[start:]`; return (its object, the offset after its STOP)."""
        self._data, self._pos = data, start
        self._stack, self._metastack, self._memo = [], [], {}
        # Per object the machine tracks (containers and objects awaiting BUILD), keyed by id: their
        # nesting depth, whether they may still change, and the objects themselves, which keeps the
        # ids unique while the pickle is read.
        self._depth, self._sealed, self._pinned, self._awaiting_state = {}, set(), [], {}
        self._global_names = {}
        dispatch, limit = self._dispatch, self.limits.opcodes
        with warnings.catch_warnings():  # STRING opcodes with invalid escapes warn
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                while True:
                    pos = self._pos
                    if pos >= len(data):
                        raise PickleError("truncated pickle (it ends before its STOP opcode)")
                    code = data[pos]
                    self._pos = pos + 1
                    self.opcodes += 1
                    if self.opcodes > limit:
                        raise PickleError(f"more than {limit} pickle opcodes")
                    handler = dispatch.get(code)
                    if handler is None:
                        raise PickleError(self._unknown(code, pos))
                    handler()
            except _Stop:
                result = self._result
            finally:
                self._stack = self._metastack = self._memo = self._pinned = self._result = None
                self._depth = self._sealed = self._awaiting_state = self._global_names = None
        return result, self._pos

    @staticmethod
    def _unknown(code: int, pos: int) -> str:
        name = _OPCODE_NAMES.get(code)
        if name is None:
            return f"corrupt pickle (unknown opcode 0x{code:02x} at byte {pos})"
        return f"refusing pickle opcode {name} at byte {pos} ({_REFUSED_OPCODES[name]})"

    # --- the stack, the memo, and what the machine knows about objects ----------------------

    def _push(self, value):
        """Push a value the current opcode created."""
        self.objects += 1
        if self.objects > self.limits.objects:
            raise PickleError(f"more than {self.limits.objects} objects in the pickle")
        self._stack.append(value)

    def _pop(self):
        if not self._stack:
            raise PickleError(f"corrupt pickle (stack underflow at byte {self._pos - 1})")
        return self._stack.pop()

    def _top(self):
        if not self._stack:
            raise PickleError(f"corrupt pickle (stack underflow at byte {self._pos - 1})")
        return self._stack[-1]

    def _pop_mark(self) -> list:
        if not self._metastack:
            raise PickleError(f"corrupt pickle (no MARK before the opcode at byte {self._pos - 1})")
        items = self._stack
        self._stack = self._metastack.pop()
        return items

    def _track(self, obj, depth: int):
        """Start tracking `obj` (a container, or an object awaiting BUILD) at nesting `depth`."""
        if depth > self.limits.depth:
            raise PickleError(f"nesting deeper than {self.limits.depth} levels")
        self._depth[id(obj)] = depth
        self._pinned.append(obj)

    def _contain(self, items) -> int:
        """Seal `items`, which are becoming elements of a container, and return that container's depth."""
        depth = 0
        for item in items:
            key = id(item)
            item_depth = self._depth.get(key)
            if item_depth is not None:
                self._sealed.add(key)
                self._awaiting_state.pop(key, None)
                depth = max(depth, item_depth)
        return depth + 1

    def _new_container(self, container, items):
        self._track(container, self._contain(items))
        self._push(container)

    def _mutable(self, target, kinds: tuple, opcode: str):
        """`target`, checked to be a container of `kinds` this pickle built and that is not yet in use."""
        key = id(target)
        if type(target) not in kinds or key not in self._depth:
            raise PickleError(f"corrupt pickle ({opcode} on {self._describe(target)})")
        if key in self._sealed:
            raise PickleError(f"refusing {opcode} on a {type(target).__name__} that is already in use "
                              "(recursive or modified structure)")
        return target

    def _grow(self, target, items):
        """Account for `items` entering the mutable container `target`."""
        if any(item is target for item in items):
            raise PickleError("refusing a container that contains itself")
        depth = max(self._depth[id(target)], self._contain(items))
        if depth > self.limits.depth:
            raise PickleError(f"nesting deeper than {self.limits.depth} levels")
        self._depth[id(target)] = depth

    def _charge(self, work: int):
        """Count `work` element visits (a call's arguments, a state) as opcodes: a pickle can pass one
        big container to many calls for a few opcodes each."""
        self.opcodes += work
        if self.opcodes > self.limits.opcodes:
            raise PickleError(f"more than {self.limits.opcodes} pickle opcodes")

    def _register_result(self, result, function: PickleCallable):
        """Track what a call returned if it is new: a container at its elements' depth + 1, and any
        object of a callable with `set_state` as awaiting its one BUILD."""
        if id(result) in self._depth or isinstance(result, _SCALAR_TYPES):
            return
        depth = 0
        if isinstance(result, (tuple, list, set, frozenset, dict)):
            if isinstance(result, (set, frozenset, dict)):
                for key in result:
                    check_key(key)
            depth = self._contain(list(result.values()) if isinstance(result, dict) else list(result))
        elif function.set_state is None:
            return
        self._track(result, depth)
        if function.set_state is not None:
            self._awaiting_state[id(result)] = function

    def _describe(self, obj) -> str:
        name = self._global_names.get(id(obj))
        return name if name is not None else f"a {type(obj).__name__}"

    def _memo_put(self, index: int):
        if index < 0:
            raise PickleError(f"corrupt pickle (negative memo index {index})")
        if index not in self._memo and len(self._memo) >= self.limits.memo:
            raise PickleError(f"more than {self.limits.memo} memo entries")
        self._memo[index] = self._top()

    def _memo_get(self, index: int):
        try:
            self._stack.append(self._memo[index])
        except KeyError:
            raise PickleError(f"corrupt pickle (memo index {index} was never stored)") from None

    # --- opcodes: control ---------------------------------------------------------------------

    def _op_PROTO(self):
        protocol = self._read(1)[0]
        if protocol > 5:
            raise PickleError(f"unsupported pickle protocol {protocol}")

    def _op_FRAME(self):
        self._read(8)  # a framing hint for buffered readers; the data is already in memory

    def _op_STOP(self):
        self._result = self._pop()
        raise _Stop

    def _op_MARK(self):
        self._metastack.append(self._stack)
        self._stack = []

    def _op_POP(self):
        if self._stack:
            self._stack.pop()
        else:
            self._pop_mark()

    def _op_POP_MARK(self):
        self._pop_mark()

    def _op_DUP(self):
        self._stack.append(self._top())

    # --- opcodes: containers ------------------------------------------------------------------

    def _op_EMPTY_TUPLE(self):
        self._new_container((), ())

    def _tuple(self, count: int):
        if len(self._stack) < count:
            raise PickleError(f"corrupt pickle (stack underflow at byte {self._pos - 1})")
        items = tuple(self._stack[len(self._stack) - count:])
        del self._stack[len(self._stack) - count:]
        self._new_container(items, items)

    def _op_TUPLE1(self):
        self._tuple(1)

    def _op_TUPLE2(self):
        self._tuple(2)

    def _op_TUPLE3(self):
        self._tuple(3)

    def _op_TUPLE(self):
        items = tuple(self._pop_mark())
        self._new_container(items, items)

    def _op_EMPTY_LIST(self):
        self._new_container([], ())

    def _op_LIST(self):
        items = self._pop_mark()
        self._new_container(items, items)

    def _op_APPEND(self):
        item = self._pop()
        target = self._mutable(self._top(), (list,), "APPEND")
        self._grow(target, (item,))
        target.append(item)

    def _op_APPENDS(self):
        items = self._pop_mark()
        target = self._mutable(self._top(), (list,), "APPENDS")
        self._grow(target, items)
        target.extend(items)

    def _pairs(self, items: list) -> list:
        if len(items) % 2:
            raise PickleError("corrupt pickle (a dict built from an odd number of items)")
        keys = items[0::2]
        for key in keys:
            check_key(key)
        return list(zip(keys, items[1::2]))

    def _op_EMPTY_DICT(self):
        self._new_container({}, ())

    def _op_DICT(self):
        items = self._pop_mark()
        pairs = self._pairs(items)
        self._new_container(dict(pairs), items)

    def _op_SETITEM(self):
        value, key = self._pop(), self._pop()
        target = self._mutable(self._top(), _DICT_TYPES, "SETITEM")
        check_key(key)
        self._grow(target, (value,))
        target[key] = value

    def _op_SETITEMS(self):
        items = self._pop_mark()
        target = self._mutable(self._top(), _DICT_TYPES, "SETITEMS")
        pairs = self._pairs(items)
        self._grow(target, items[1::2])
        target.update(pairs)

    def _op_EMPTY_SET(self):
        self._new_container(set(), ())

    def _op_ADDITEMS(self):
        items = self._pop_mark()
        target = self._mutable(self._top(), (set,), "ADDITEMS")
        for item in items:
            check_key(item)
        self._grow(target, items)
        target.update(items)

    def _op_FROZENSET(self):
        items = self._pop_mark()
        for item in items:
            check_key(item)
        self._new_container(frozenset(items), items)

    # --- opcodes: the memo --------------------------------------------------------------------

    def _op_PUT(self):
        self._memo_put(self._text_int(self._readline()))

    def _op_BINPUT(self):
        self._memo_put(self._read(1)[0])

    def _op_LONG_BINPUT(self):
        self._memo_put(self._unpack("<I", 4))

    def _op_MEMOIZE(self):
        self._memo_put(len(self._memo))

    def _op_GET(self):
        self._memo_get(self._text_int(self._readline()))

    def _op_BINGET(self):
        self._memo_get(self._read(1)[0])

    def _op_LONG_BINGET(self):
        self._memo_get(self._unpack("<I", 4))

    # --- opcodes: globals, calls, state -------------------------------------------------------

    def _global(self, module: str, name: str):
        resolved = self._resolve_global(module, name)
        self._global_names[id(resolved)] = f"{module}.{name}"
        self._push(resolved)

    def _op_GLOBAL(self):
        module = self._decode(self._readline(), "utf-8")
        name = self._decode(self._readline(), "utf-8")
        self._global(module, name)

    def _op_STACK_GLOBAL(self):
        name, module = self._pop(), self._pop()
        if type(module) is not str or type(name) is not str:
            raise PickleError("corrupt pickle (STACK_GLOBAL on something that is not a string)")
        self._global(module, name)

    def _op_REDUCE(self):
        args, function = self._pop(), self._pop()
        if not isinstance(function, PickleCallable):
            raise PickleError(f"refusing to call {self._describe(function)} (not a callable of the allow-list)")
        if type(args) is not tuple:
            raise PickleError(f"corrupt pickle ({function.name} called with {self._describe(args)} for arguments)")
        self._charge(len(args) + sum(len(arg) for arg in args if type(arg) in _CONTAINER_TYPES))
        self._contain((args,))
        result = function.call(*args)
        self._register_result(result, function)
        self._push(result)

    def _persistent(self, pid):
        if self._persistent_load is None:
            raise PickleError("unexpected persistent id in pickle")
        self._contain((pid,))
        self._push(self._persistent_load(pid))

    def _op_PERSID(self):
        self._persistent(self._decode(self._readline(), "ascii"))

    def _op_BINPERSID(self):
        self._persistent(self._pop())

    def _op_BUILD(self):
        state = self._pop()
        target = self._top()
        source = self._awaiting_state.pop(id(target), None)
        if source is None:
            raise PickleError(f"refusing BUILD on {self._describe(target)} (only an object just created by an "
                              "allowed constructor takes state, once)")
        self._charge(len(state) if type(state) in _CONTAINER_TYPES else 1)
        self._contain((state,))
        source.set_state(target, state)
