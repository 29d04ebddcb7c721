// Reads Parquet files with an independent reader (DuckDB or hyparquet) and prints their rows in
// the canonical JSON form the C++ tests build from their own data (parquet_test_support.cpp):
//   null -> null, bool -> bool, integers -> decimal strings, doubles that are safe integers (and
//   not -0) -> decimal strings, other doubles -> "f:<16 hex digits of the IEEE bits>",
//   strings -> strings, binary -> "b:<hex>", timestamps -> "t:<microseconds>",
//   lists -> arrays, structs -> objects, maps -> arrays of [key, value] sorted by key.
// Reader "hyparquet-pages" instead walks every column chunk's page headers with hyparquet's own
// Thrift decoder and returns [{row_group, column, pages: [{type, num_values, encoding}]}].
// stdin: JSON array of {"reader": "duckdb"|"hyparquet"|"hyparquet-pages", "path": "..."};
// stdout: JSON array of {"rows": [...]} or {"error": "..."} in the same order.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

function canonNumber(v) {
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  return 'f:' + view.getBigUint64(0).toString(16).padStart(16, '0');
}

function sortPairs(pairs) {
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

// DuckDB values carry their own kind.
function canonDuck(v) {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'number':
      return canonNumber(v);
  }
  switch (v.constructor?.name) {
    case 'DuckDBBlobValue':
      return 'b:' + Buffer.from(v.bytes).toString('hex');
    case 'DuckDBListValue':
      return v.items.map(canonDuck);
    case 'DuckDBStructValue':
      return Object.fromEntries(Object.entries(v.entries).map(([k, x]) => [k, canonDuck(x)]));
    case 'DuckDBMapValue':
      return sortPairs(v.entries.map((e) => [canonDuck(e.key), canonDuck(e.value)]));
    case 'DuckDBTimestampTZValue':
    case 'DuckDBTimestampValue':
      return 't:' + v.micros.toString();
  }
  throw new Error(`unexpected DuckDB value ${v.constructor?.name}`);
}

// hyparquet values are plain JS; maps and structs are both objects, so walk the schema tree.
function canonHy(v, node) {
  if (v === null || v === undefined) return null;
  const el = node.element;
  const children = node.children;
  if (el.converted_type === 'LIST') {
    const element = children[0].children[0];
    return Array.from(v, (x) => canonHy(x, element));
  }
  if (el.converted_type === 'MAP') {
    const [keyNode, valueNode] = children[0].children;
    return sortPairs(Object.entries(v).map(([k, x]) => [canonHy(k, keyNode), canonHy(x, valueNode)]));
  }
  if (children.length > 0) {
    return Object.fromEntries(children.map((c) => [c.element.name, canonHy(v[c.element.name], c)]));
  }
  if (v && v.__micros !== undefined) return 't:' + v.__micros.toString();
  if (v instanceof Uint8Array) return 'b:' + Buffer.from(v).toString('hex');
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'string':
      // Integer map keys come back as object keys (strings); they are canonical already.
      return v;
    case 'bigint':
      return v.toString();
    case 'number':
      return canonNumber(v);
  }
  throw new Error(`unexpected hyparquet value ${typeof v}`);
}

async function readDuck(connection, path) {
  const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path.replaceAll("'", "''")}')`);
  return reader.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, canonDuck(v)])));
}

async function readHy(path) {
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const schema = parquetSchema(parquetMetadata(file));
  const parsers = {
    timestampFromMilliseconds: (ms) => ({ __micros: BigInt(ms) * 1000n }),
    timestampFromMicroseconds: (us) => ({ __micros: BigInt(us) }),
  };
  const rows = await parquetReadObjects({ file, compressors, utf8: false, parsers });
  return rows.map((row) => Object.fromEntries(schema.children.map((c) => [c.element.name, canonHy(row[c.element.name], c)])));
}

// parquetHeader is not among the package's exports: import the module file itself.
const { parquetHeader } = await import(new URL('../../node_modules/hyparquet/src/column.js', import.meta.url));

function readPages(path) {
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const metadata = parquetMetadata(file);
  const out = [];
  metadata.row_groups.forEach((rg, g) => {
    for (const chunk of rg.columns) {
      const meta = chunk.meta_data;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      const reader = { view: new DataView(file), offset: start };
      const pages = [];
      while (reader.offset < end) {
        const header = parquetHeader(reader);
        const sub = header.data_page_header ?? header.dictionary_page_header;
        pages.push({ type: header.type, num_values: sub.num_values, encoding: sub.encoding });
        reader.offset += header.compressed_page_size;
      }
      out.push({ row_group: g, column: meta.path_in_schema.join('.'), pages });
    }
  });
  return out;
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const connection = await (await DuckDBInstance.create(':memory:')).connect();
const results = [];
for (const { reader, path } of requests) {
  try {
    if (reader === 'hyparquet-pages') {
      results.push({ rows: readPages(path) });
      continue;
    }
    const rows = reader === 'duckdb' ? await readDuck(connection, path) : await readHy(path);
    results.push({ rows });
  } catch (e) {
    results.push({ error: String(e?.message ?? e) });
  }
}
process.stdout.write(JSON.stringify(results));
