// A small JSON reader and writer for the plugin: AssemblyScript has no
// JSON in its standard library, and the wasmdrive ABI speaks JSON.

export const NULL: i32 = 0;
export const BOOL: i32 = 1;
export const NUMBER: i32 = 2;
export const STRING: i32 = 3;
export const ARRAY: i32 = 4;
export const OBJECT: i32 = 5;

/** One parsed JSON value. */
export class Value {
  kind: i32 = NULL;
  b: bool = false;
  n: f64 = 0;
  s: string = "";
  items: Array<Value> = [];
  keys: Array<string> = [];
  vals: Array<Value> = [];

  /** The member named key of an object, or a null value. */
  get(key: string): Value {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return this.vals[i];
    }
    return new Value();
  }

  /** The member as a string ("" when absent or not a string). */
  str(key: string): string {
    const v = this.get(key);
    return v.kind == STRING ? v.s : "";
  }

  /** The member as a number (0 when absent or not a number). */
  num(key: string): f64 {
    const v = this.get(key);
    return v.kind == NUMBER ? v.n : 0;
  }

  /** The member as a boolean (false when absent or not a boolean). */
  flag(key: string): bool {
    const v = this.get(key);
    return v.kind == BOOL && v.b;
  }
}

class Parser {
  src: string;
  i: i32 = 0;
  err: string = "";

  constructor(src: string) {
    this.src = src;
  }

  fail(what: string): Value {
    if (this.err.length == 0) this.err = what + " at offset " + this.i.toString();
    return new Value();
  }

  ws(): void {
    while (this.i < this.src.length) {
      const c = this.src.charCodeAt(this.i);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.i++;
    }
  }

  lit(word: string): bool {
    if (this.src.substr(this.i, word.length) != word) return false;
    this.i += word.length;
    return true;
  }

  value(depth: i32): Value {
    if (depth > 64) return this.fail("nested too deep");
    this.ws();
    if (this.i >= this.src.length) return this.fail("unexpected end");
    const c = this.src.charCodeAt(this.i);
    const v = new Value();
    if (c == 0x7b) { // {
      v.kind = OBJECT;
      this.i++;
      this.ws();
      if (this.src.charCodeAt(this.i) == 0x7d) { this.i++; return v; }
      while (this.err.length == 0) {
        this.ws();
        if (this.src.charCodeAt(this.i) != 0x22) return this.fail("want a key");
        const k = this.string();
        this.ws();
        if (this.src.charCodeAt(this.i) != 0x3a) return this.fail("want ':'");
        this.i++;
        v.keys.push(k);
        v.vals.push(this.value(depth + 1));
        this.ws();
        const d = this.src.charCodeAt(this.i++);
        if (d == 0x7d) return v;
        if (d != 0x2c) return this.fail("want ',' or '}'");
      }
      return v;
    }
    if (c == 0x5b) { // [
      v.kind = ARRAY;
      this.i++;
      this.ws();
      if (this.src.charCodeAt(this.i) == 0x5d) { this.i++; return v; }
      while (this.err.length == 0) {
        v.items.push(this.value(depth + 1));
        this.ws();
        const d = this.src.charCodeAt(this.i++);
        if (d == 0x5d) return v;
        if (d != 0x2c) return this.fail("want ',' or ']'");
      }
      return v;
    }
    if (c == 0x22) {
      v.kind = STRING;
      v.s = this.string();
      return v;
    }
    if (this.lit("true")) { v.kind = BOOL; v.b = true; return v; }
    if (this.lit("false")) { v.kind = BOOL; return v; }
    if (this.lit("null")) return v;
    const start = this.i;
    while (this.i < this.src.length) {
      const d = this.src.charCodeAt(this.i);
      if (!((d >= 0x30 && d <= 0x39) || d == 0x2d || d == 0x2b || d == 0x2e || d == 0x65 || d == 0x45)) break;
      this.i++;
    }
    if (this.i == start) return this.fail("unexpected character");
    v.kind = NUMBER;
    v.n = parseFloat(this.src.substring(start, this.i));
    return v;
  }

  string(): string {
    this.i++; // opening quote
    let out = "";
    let run = this.i;
    while (this.i < this.src.length) {
      const c = this.src.charCodeAt(this.i);
      if (c == 0x22) {
        out += this.src.substring(run, this.i);
        this.i++;
        return out;
      }
      if (c != 0x5c) { this.i++; continue; }
      out += this.src.substring(run, this.i);
      const e = this.src.charCodeAt(this.i + 1);
      this.i += 2;
      if (e == 0x6e) out += "\n";
      else if (e == 0x74) out += "\t";
      else if (e == 0x72) out += "\r";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x75) {
        out += String.fromCharCode(<i32>parseInt(this.src.substr(this.i, 4), 16));
        this.i += 4;
      } else out += String.fromCharCode(e); // \" \\ \/
      run = this.i;
    }
    this.fail("unterminated string");
    return out;
  }
}

/** Parses s; on malformed input it returns null and sets lastError. */
export function parse(s: string): Value | null {
  const p = new Parser(s);
  const v = p.value(0);
  p.ws();
  if (p.err.length == 0 && p.i != s.length) p.fail("trailing data");
  lastError = p.err;
  return p.err.length == 0 ? v : null;
}

/** The error of the last parse that failed. */
export let lastError = "";

/** s as a JSON string literal. */
export function quote(s: string): string {
  let out = "\"";
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += s.substring(run, i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x09) out += "\\t";
    else if (c == 0x0d) out += "\\r";
    else out += "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16);
    run = i + 1;
  }
  return out + s.substring(run) + "\"";
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The standard base64 of s's UTF-8 bytes (KV values travel in base64). */
export function base64(s: string): string {
  const b = Uint8Array.wrap(String.UTF8.encode(s));
  let out = "";
  for (let i = 0; i < b.length; i += 3) {
    const n = (<u32>b[i] << 16) | (i + 1 < b.length ? <u32>b[i + 1] << 8 : 0) | (i + 2 < b.length ? <u32>b[i + 2] : 0);
    out += B64.charAt((n >> 18) & 63) + B64.charAt((n >> 12) & 63);
    out += i + 1 < b.length ? B64.charAt((n >> 6) & 63) : "=";
    out += i + 2 < b.length ? B64.charAt(n & 63) : "=";
  }
  return out;
}

/** Decodes standard base64 into a UTF-8 string ("" on bad input). */
export function unbase64(s: string): string {
  const out = new Uint8Array((s.length / 4) * 3);
  let n = 0;
  let bits: u32 = 0;
  let have = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c == "=") break;
    const d = B64.indexOf(c);
    if (d < 0) return "";
    bits = (bits << 6) | <u32>d;
    have += 6;
    if (have >= 8) {
      have -= 8;
      out[n++] = <u8>((bits >> have) & 0xff);
    }
  }
  return String.UTF8.decode(out.slice(0, n).buffer);
}
