/*
 * The operator kinds of Datalog expressions (biscuit-auth schema.proto `OpUnary.Kind`,
 * `OpBinary.Kind`), one name per number for the reader, the templates and the check
 * evaluator alike.
 */

// OpUnary kinds.
export const NEGATE = 0;
export const PARENS = 1;
export const LENGTH = 2;
export const TYPE_OF = 3;
/** The last unary kind: a named external function. */
export const UNARY_FFI = 4;

// OpBinary kinds.
export const LESS_THAN = 0;
export const GREATER_THAN = 1;
export const LESS_OR_EQUAL = 2;
export const GREATER_OR_EQUAL = 3;
export const EQUAL = 4;
export const CONTAINS = 5;
export const PREFIX = 6;
export const SUFFIX = 7;
export const AND = 13;
export const OR = 14;
export const BITWISE_AND = 17;
export const BITWISE_XOR = 19;
export const NOT_EQUAL = 20;
export const HETEROGENEOUS_EQUAL = 21;
export const HETEROGENEOUS_NOT_EQUAL = 22;
export const LAZY_AND = 23;
export const LAZY_OR = 24;
export const ALL = 25;
export const ANY = 26;
/** A named external function. */
export const BINARY_FFI = 28;
/** The last binary kind: `.try_or()`, after Ffi. */
export const TRY_OR = 29;
