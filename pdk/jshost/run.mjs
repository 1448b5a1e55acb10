// Usage: node run.mjs PLUGIN.wasm FUNCTION < INPUT
// Calls FUNCTION of the plugin with the standard input under the official Extism JS host
// (WASI on, no allowed hosts) and prints its output; exits 1 on an error.
import { readFile } from "node:fs/promises";
import createPlugin from "@extism/extism";

const [wasmPath, func] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
// A copy: the host reads the whole ArrayBuffer under a Buffer, which Node pools.
const input = new Uint8Array(Buffer.concat(chunks));
const plugin = await createPlugin(
  { wasm: [{ data: await readFile(wasmPath) }] },
  { useWasi: true, runInWorker: false },
);
try {
  const out = await plugin.call(func, input);
  process.stdout.write(out ? out.text() : "");
} catch (err) {
  process.stderr.write(String(err) + "\n");
  process.exitCode = 1;
} finally {
  await plugin.close();
}
