// Reads a JSON array of SQL statements on stdin, prints a JSON array of results (rows as objects).
import { DuckDBInstance } from '@duckdb/node-api';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const statements = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const connection = await (await DuckDBInstance.create(':memory:')).connect();
const results = [];
for (const sql of statements) {
  try {
    const reader = await connection.runAndReadAll(sql);
    results.push(reader.getRowObjectsJson());
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(3);
  }
}
process.stdout.write(JSON.stringify(results));
