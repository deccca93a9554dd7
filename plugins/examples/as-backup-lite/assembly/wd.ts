// The wasmdrive host functions this plugin uses, imported from the module
// the host registers them in (sdk/ABI.md, "Imports"): each takes the offset
// of an Extism block holding the JSON request (0 = none) and returns the
// offset of a block holding the JSON envelope.

import { Memory } from "@extism/as-pdk";
import { free, length } from "@extism/as-pdk/lib/env";
import { parse, lastError, Value } from "./json";

@external("extism:host/user", "wd_config")
declare function wd_config(req: u64): u64;
@external("extism:host/user", "wd_local_list")
declare function wd_local_list(req: u64): u64;
@external("extism:host/user", "wd_drive_list")
declare function wd_drive_list(req: u64): u64;
@external("extism:host/user", "wd_drive_get")
declare function wd_drive_get(req: u64): u64;
@external("extism:host/user", "wd_drive_upload")
declare function wd_drive_upload(req: u64): u64;
@external("extism:host/user", "wd_kv_get")
declare function wd_kv_get(req: u64): u64;
@external("extism:host/user", "wd_kv_put")
declare function wd_kv_put(req: u64): u64;
@external("extism:host/user", "wd_log")
declare function wd_log(req: u64): u64;

/** One host call's envelope: {ok, result} or {ok:false, error:{code, message}}. */
export class Reply {
  ok: bool = false;
  result: Value = new Value();
  code: string = "";
  message: string = "";
}

function request(json: string): u64 {
  return json.length == 0 ? 0 : Memory.allocateString(json).offset;
}

// answer frees both blocks (the plugin owns them) and decodes the envelope.
function answer(req: u64, env: u64): Reply {
  if (req != 0) free(req);
  const m = new Memory(env, length(env));
  const text = m.toString();
  m.free();
  const r = new Reply();
  const v = parse(text);
  if (v == null) {
    r.code = "internal";
    r.message = "malformed envelope: " + lastError;
    return r;
  }
  r.ok = v.flag("ok");
  r.result = v.get("result");
  const e = v.get("error");
  r.code = e.str("code");
  r.message = e.str("message");
  return r;
}

export function config(): Reply { return answer(0, wd_config(0)); }
export function localList(json: string): Reply { const q = request(json); return answer(q, wd_local_list(q)); }
export function driveList(json: string): Reply { const q = request(json); return answer(q, wd_drive_list(q)); }
export function driveGet(json: string): Reply { const q = request(json); return answer(q, wd_drive_get(q)); }
export function driveUpload(json: string): Reply { const q = request(json); return answer(q, wd_drive_upload(q)); }
export function kvGet(json: string): Reply { const q = request(json); return answer(q, wd_kv_get(q)); }
export function kvPut(json: string): Reply { const q = request(json); return answer(q, wd_kv_put(q)); }
export function log(json: string): Reply { const q = request(json); return answer(q, wd_log(q)); }
