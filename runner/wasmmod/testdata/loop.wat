;; A module for the instrumenter's tests: it imports wd_call (whose tick the
;; instrumenter calls) and loops. Assemble: wat2wasm loop.wat -o loop.wasm
(module
  (import "extism:host/user" "wd_call" (func $wd_call (param i64 i64 i64) (result i64)))
  (global $g (mut i32) (i32.const 7))
  (memory (export "memory") 1)
  ;; spin counts to n in a loop and returns n.
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i))
  ;; nested runs an inner loop of m inside an outer loop of n, with a block
  ;; that carries a value, and returns the total inner iterations.
  (func (export "nested") (param $n i32) (param $m i32) (result i32)
    (local $i i32) (local $j i32) (local $t i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner (result i32)
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $m)))
        (local.get $j))
      drop
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $t))
  ;; forever never returns.
  (func (export "forever")
    (loop $l (global.set $g (i32.add (global.get $g) (i32.const 1))) (br $l)))
  ;; call uses wd_call itself, as a plugin would.
  (func (export "call") (result i64)
    (call $wd_call (i64.const 1) (i64.const 0) (i64.const 0))))
