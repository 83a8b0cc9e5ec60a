import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { splitSqlStatements } from './split-sql-statements.js';

describe('splitSqlStatements', () => {
  it('splits at each semicolon that ends a statement, trimmed, without the semicolon', () => {
    expect(splitSqlStatements('CREATE TABLE a (x int);\nCREATE INDEX a_x ON a (x);  SELECT 1')).toEqual([
      'CREATE TABLE a (x int)',
      'CREATE INDEX a_x ON a (x)',
      'SELECT 1',
    ]);
  });

  it('keeps a function body written the usual way, one statement per line, in one piece', () => {
    const script = [
      'CREATE FUNCTION forget() RETURNS trigger LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  DELETE FROM a WHERE x IN (SELECT x FROM gone);',
      '  RETURN NULL;',
      'END $$;',
      'CREATE FUNCTION tagged() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;',
      'CREATE FUNCTION inner_dollars() RETURNS text LANGUAGE sql AS $o$ SELECT $$;$$ $o$;',
    ].join('\n');
    const statements = splitSqlStatements(script);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(/^CREATE FUNCTION forget\(\)[\s\S]*RETURN NULL;\nEND \$\$$/);
    expect(statements[1]).toBe(
      'CREATE FUNCTION tagged() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$',
    );
    expect(statements[2]).toBe(
      'CREATE FUNCTION inner_dollars() RETURNS text LANGUAGE sql AS $o$ SELECT $$;$$ $o$',
    );
  });

  it('does not end a statement at a semicolon in a string, an identifier or a comment', () => {
    const script = [
      "INSERT INTO a VALUES ('it''s; fine', E'a\\'; b', '\\');",
      'CREATE TABLE "odd;name" ("col""; x" int);',
      '-- a comment; with a semicolon',
      'SELECT 1 /* outer /* nested; */ still; */ + 2;',
      'SELECT $1::int, a$b FROM t;',
    ].join('\n');
    expect(splitSqlStatements(script)).toEqual([
      "INSERT INTO a VALUES ('it''s; fine', E'a\\'; b', '\\')",
      'CREATE TABLE "odd;name" ("col""; x" int)',
      '-- a comment; with a semicolon\nSELECT 1 /* outer /* nested; */ still; */ + 2',
      'SELECT $1::int, a$b FROM t',
    ]);
  });

  it('leaves out empty statements and a trailing comment', () => {
    expect(splitSqlStatements(';;\n  SELECT 1;;\n-- the end\n/* really */\n')).toEqual(['SELECT 1']);
    expect(splitSqlStatements('   \n')).toEqual([]);
  });

  it('refuses a script whose string, identifier, dollar quote or comment is never closed', () => {
    expect(() => splitSqlStatements("SELECT 1;\nSELECT 'open")).toThrow(
      'SQL script: the string opened on line 2 is never closed',
    );
    expect(() => splitSqlStatements('SELECT "open')).toThrow('the quoted identifier opened on line 1');
    expect(() => splitSqlStatements('DO $x$ BEGIN END $y$')).toThrow('the dollar quote $x$ opened on line 1');
    expect(() => splitSqlStatements('SELECT 1 /* /* */')).toThrow('the block comment opened on line 1');
  });

  it('splits every released migration into the statements the line-end split made of it', () => {
    // What the runner did before: a `;` at a line's end (migrations were written for it).
    const byLineEnds = (sql: string): string[] =>
      sql
        .split(/;\s*\n/)
        .map((statement) => statement.trim().replace(/;$/, ''))
        .filter((statement) => statement !== '');
    for (const migration of MIGRATIONS) {
      expect(splitSqlStatements(migration.sql), `migration ${migration.version}`).toEqual(
        byLineEnds(migration.sql),
      );
    }
  });
});
