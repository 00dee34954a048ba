import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readConfigFile, sys } from 'typescript';
import { repoRoot } from './support/local-stack';

interface NestProject {
  type: 'application' | 'library';
  root: string;
  sourceRoot: string;
  entryFile: string;
  compilerOptions: { tsConfigPath: string };
}

interface TsConfig {
  compilerOptions: { outDir: string };
  include: string[];
}

// What `nest start <app>` runs is <outDir of its tsconfig>/<sourceRoot>/<entryFile>.js: it must be what
// `npm run build` writes and the package.json start scripts run, or the two ways would drift apart.
describe('nest-cli.json', () => {
  const config = JSON.parse(readFileSync(join(repoRoot, 'nest-cli.json'), 'utf8')) as {
    projects: Record<string, NestProject>;
  };
  const scripts = (
    JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  // TypeScript's own reader: a tsconfig may carry comments.
  const tsconfig = (path: string) =>
    readConfigFile(join(repoRoot, path), (file) => sys.readFile(file)).config as TsConfig;

  it('describes the apps as applications and the libs as libraries', () => {
    const types = Object.fromEntries(Object.entries(config.projects).map(([name, project]) => [name, project.type]));
    const libs = readdirSync(join(repoRoot, 'libs')).map((lib) => [lib, 'library']);
    expect(types).toEqual({ orchestrator: 'application', worker: 'application', ...Object.fromEntries(libs) });
  });

  it.each(['orchestrator', 'worker'])('starts %s from the file its start script runs', (name) => {
    const project = config.projects[name];
    const outDir = resolve(
      repoRoot,
      project.root,
      tsconfig(project.compilerOptions.tsConfigPath).compilerOptions.outDir,
    );
    expect(`node ${join(outDir, project.sourceRoot, `${project.entryFile}.js`).slice(repoRoot.length + 1)}`).toBe(
      scripts[`start:${name}`],
    );
  });

  it.each(Object.keys(config.projects))(
    '%s: its entry file and tsconfig exist, and the tsconfig compiles its sourceRoot',
    (name) => {
      const project = config.projects[name];
      expect(existsSync(join(repoRoot, project.sourceRoot, `${project.entryFile}.ts`))).toBe(true);
      const included = tsconfig(project.compilerOptions.tsConfigPath).include.map((path) => join(project.root, path));
      expect(included).toContain(project.sourceRoot);
    },
  );
});
