;; A wasmdrive plugin written by hand in WebAssembly text, with no Go and no
;; PDK: it proves sdk/ABI.md is enough. Entry "run" passes the call's input
;; (a JSON request such as {"path":"/docs"}) to wd_drive_get_by_path and
;; returns the host's envelope as the call's output.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/user" "wd_drive_get_by_path" (func $get_by_path (param i64) (result i64)))

  (func (export "run") (result i32)
    (local $n i64) (local $req i64) (local $i i64) (local $res i64)
    ;; copy the input into a fresh extism block
    (local.set $n (call $input_length))
    (local.set $req (call $alloc (local.get $n)))
    (block $done
      (loop $copy
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (call $store_u8
          (i64.add (local.get $req) (local.get $i))
          (call $input_load_u8 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $copy)))
    ;; call the host; the answer is an envelope block owned by us
    (local.set $res (call $get_by_path (local.get $req)))
    (call $free (local.get $req))
    ;; hand the envelope block to the host as our output
    (call $output_set (local.get $res) (call $length (local.get $res)))
    (i32.const 0))
)
