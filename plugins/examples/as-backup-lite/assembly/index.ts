// as-backup-lite: a small backup written in AssemblyScript against the
// wasmdrive ABI (sdk/ABI.md) with the Extism AssemblyScript PDK. Each run
// copies the files of one host folder that the drive folder lacks (or holds
// with another size) into it, checks each upload with a get, counts its
// runs in KV and logs what it did.

import { Host, LogLevel, Memory } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";
import { parse, quote, base64, unbase64, Value, OBJECT } from "./json";
import * as wd from "./wd";

const STATE_KEY = "state";

// abort replaces AssemblyScript's default (an "env.abort" import the host
// does not have): the message becomes the run's error.
function abort(message: string | null, file: string | null, line: u32, column: u32): void {
  const msg = "abort: " + (message == null ? "" : message) + " at " + (file == null ? "?" : file) + ":" + line.toString() + ":" + column.toString();
  error_set(Memory.allocateString(msg).offset);
  unreachable();
}

function fail(what: string, r: wd.Reply): i32 {
  error_set(Memory.allocateString(what + ": " + r.code + ": " + r.message).offset);
  return 1;
}

// setting is the input's key when the run's input is an object that sets
// it, else the config's.
function setting(cfg: Value, input: Value, key: string): string {
  const v = input.str(key);
  return v.length > 0 ? v : cfg.str(key);
}

export function run(): i32 {
  const c = wd.config();
  if (!c.ok) return fail("wd_config", c);
  let input = new Value();
  const raw = Host.inputString();
  if (raw.length > 0) {
    const v = parse(raw);
    if (v != null && v.kind == OBJECT) input = v;
  }
  const source = setting(c.result, input, "source");
  let target = setting(c.result, input, "target");
  if (source.length == 0) {
    error_set(Memory.allocateString("config key source (the host folder to back up) is not set").offset);
    return 1;
  }
  if (target.length == 0) target = "/backup-lite";

  // What the drive folder holds: name -> size. A missing folder is empty
  // (the upload creates it).
  const names = new Map<string, f64>();
  let marker = "";
  do {
    const l = wd.driveList("{\"path\":" + quote(target) + ",\"marker\":" + quote(marker) + "}");
    if (!l.ok) {
      if (l.code == "not_found") break;
      return fail("wd_drive_list " + target, l);
    }
    const items = l.result.get("items").items;
    for (let i = 0; i < items.length; i++) {
      if (items[i].str("type") == "file") names.set(items[i].str("name"), items[i].num("size"));
    }
    marker = l.result.str("next_marker");
  } while (marker.length > 0);

  // The previous run's state from KV.
  let runs: f64 = 0;
  let revision: f64 = -1;
  const k = wd.kvGet("{\"key\":" + quote(STATE_KEY) + "}");
  if (k.ok) {
    const st = parse(unbase64(k.result.str("value")));
    if (st != null) runs = st.num("runs");
    revision = k.result.num("revision");
  } else if (k.code != "not_found") {
    return fail("wd_kv_get", k);
  }

  let uploaded: Array<string> = [];
  let skipped = 0;
  let bytes: f64 = 0;
  marker = "";
  do {
    const ls = wd.localList("{\"path\":" + quote(source) + ",\"marker\":" + quote(marker) + "}");
    if (!ls.ok) return fail("wd_local_list " + source, ls);
    const entries = ls.result.get("entries").items;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.flag("dir") || e.flag("symlink")) continue;
      const name = e.str("name");
      const size = e.num("size");
      if (names.has(name) && names.get(name) == size) {
        skipped++;
        continue;
      }
      const up = wd.driveUpload("{\"local_path\":" + quote(source + "/" + e.str("path")) + ",\"parent_path\":" + quote(target) +
        ",\"name\":" + quote(name) + ",\"check_name_mode\":\"overwrite\"}");
      if (!up.ok) return fail("wd_drive_upload " + name, up);
      const id = up.result.get("file").str("file_id");
      const got = wd.driveGet("{\"file_id\":" + quote(id) + "}");
      if (!got.ok) return fail("wd_drive_get " + name, got);
      if (got.result.num("size") != size) {
        error_set(Memory.allocateString("uploaded " + name + " but the drive holds " + (<i64>got.result.num("size")).toString() + " bytes, not " + (<i64>size).toString()).offset);
        return 1;
      }
      uploaded.push(name);
      bytes += size;
    }
    marker = ls.result.str("next_marker");
  } while (marker.length > 0);

  runs += 1;
  let put = "{\"key\":" + quote(STATE_KEY) + ",\"value\":" + quote(base64("{\"runs\":" + (<i64>runs).toString() + "}"));
  if (revision >= 0) put += ",\"expect_revision\":" + (<i64>revision).toString();
  const p = wd.kvPut(put + "}");
  if (!p.ok) return fail("wd_kv_put", p);

  let list = "[";
  for (let i = 0; i < uploaded.length; i++) list += (i > 0 ? "," : "") + quote(uploaded[i]);
  list += "]";
  const lg = wd.log("{\"level\":\"info\",\"msg\":\"as-backup-lite: backed up\",\"fields\":{\"target\":" + quote(target) +
    ",\"uploaded\":" + uploaded.length.toString() + ",\"skipped\":" + skipped.toString() + ",\"run\":" + (<i64>runs).toString() + "}}");
  if (!lg.ok) return fail("wd_log", lg);
  Host.log(LogLevel.Info, "as-backup-lite: run " + (<i64>runs).toString() + " done through the Extism log");

  Host.outputString("{\"uploaded\":" + list + ",\"skipped\":" + skipped.toString() + ",\"bytes\":" + (<i64>bytes).toString() + ",\"run\":" + (<i64>runs).toString() + "}");
  return 0;
}
