/**
 * Terraform language checks, what `terraform validate` rejects without providers: unresolved references,
 * bad module calls, unknown functions, plus declarations every module must have (types, descriptions)
 * and variables nothing reads.
 */
import { getExpressionAst, getReferencesInExpression, wrapTerraformExpression } from '@cdktf/hcl2json';
import { dynamicLabels, expressionSites, isObj, resolveSource, strings, type Json, type ModuleTree, type TfModule } from './hcl';

const META_ROOTS = new Set(['each', 'count', 'self', 'path', 'terraform']);
const MODULE_META_ARGS = new Set(['source', 'version', 'count', 'for_each', 'providers', 'depends_on']);

/** References that do not resolve inside their module: undeclared var/local/data/resource/module, or a missing module output. */
export async function checkReferences(mod: TfModule, tree: ModuleTree): Promise<string[]> {
  const problems: string[] = [];
  for (const site of expressionSites(mod)) {
    const iterators = dynamicLabels(site.value);
    for (const { at, text } of strings(site.value, site.at)) {
      if (!text.includes('${')) continue;
      const refs = await getReferencesInExpression(`${mod.dir}/${at}`, text);
      for (const { value } of refs) {
        const parts = value.split('.');
        const [root, second, third] = parts;
        const bad = (why: string) => problems.push(`${mod.dir}: ${at}: ${value}: ${why}`);
        // each.* needs for_each and count.* needs count on the enclosing resource, data source or module call.
        if (root === 'each' && !(isObj(site.value) && 'for_each' in site.value)) bad('each.* used without for_each');
        if (root === 'count' && !(isObj(site.value) && 'count' in site.value)) bad('count.* used without count');
        if (parts.length < 2 || !root || META_ROOTS.has(root) || iterators.has(root)) continue;
        if (root === 'var') {
          if (!mod.variables.has(second!)) bad(`variable "${second}" is not declared`);
        } else if (root === 'local') {
          if (!mod.locals.has(second!)) bad(`local "${second}" is not defined`);
        } else if (root === 'module') {
          if (!mod.moduleCalls.has(second!)) bad(`module "${second}" is not called in this module`);
        } else if (root === 'data') {
          if (!mod.data.has(`${second}.${third}`)) bad(`data source "${second}.${third}" is not declared`);
        } else if (/^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(root)) {
          if (!mod.resources.has(`${root}.${second}`)) bad(`resource "${root}.${second}" is not declared`);
        } else {
          bad('unknown reference');
        }
      }
      // Module outputs, also behind an index (the parser drops the attribute after `[each.key]`).
      for (const m of text.matchAll(/\bmodule\.([A-Za-z_][\w-]*)((?:\[[^\]]*\])*)\.([A-Za-z_][\w-]*)/g)) {
        const [, name, , output] = m;
        const call = mod.moduleCalls.get(name!);
        if (!call) continue; // reported above
        const childDir = resolveSource(mod.dir, call);
        const child = childDir ? tree.get(childDir) : undefined;
        if (child && !child.outputs.has(output!)) problems.push(`${mod.dir}: ${at}: module.${name}.${output}: module "${name}" has no output "${output}"`);
      }
    }
  }
  return problems;
}

/** Module calls: the source exists, every argument is a declared variable, every required variable is passed. */
export function checkModuleCalls(mod: TfModule, tree: ModuleTree): string[] {
  const problems: string[] = [];
  for (const [name, call] of mod.moduleCalls) {
    const childDir = resolveSource(mod.dir, call);
    if (!childDir) {
      problems.push(`${mod.dir}: module "${name}": source ${JSON.stringify(call.source)} is not a local path (registry modules are not bundled)`);
      continue;
    }
    const child = tree.get(childDir);
    if (!child) {
      problems.push(`${mod.dir}: module "${name}": source ${String(call.source)} does not exist`);
      continue;
    }
    for (const arg of Object.keys(call)) {
      if (!MODULE_META_ARGS.has(arg) && !child.variables.has(arg)) problems.push(`${mod.dir}: module "${name}": argument "${arg}" is not a variable of ${String(call.source)}`);
    }
    for (const [variable, decl] of child.variables) {
      if (!('default' in decl) && !(variable in call)) problems.push(`${mod.dir}: module "${name}": required variable "${variable}" of ${String(call.source)} is not passed`);
    }
  }
  return problems;
}

/** Every variable has a type and a description; every output has a description. */
export function checkDeclarations(mod: TfModule): string[] {
  const problems: string[] = [];
  const blank = (v: Json | undefined) => typeof v !== 'string' || v.trim() === '';
  for (const [name, decl] of mod.variables) {
    if (blank(decl.type)) problems.push(`${mod.dir}: variable "${name}" has no type`);
    if (blank(decl.description)) problems.push(`${mod.dir}: variable "${name}" has no description`);
  }
  for (const [name, decl] of mod.outputs) {
    if (blank(decl.description)) problems.push(`${mod.dir}: output "${name}" has no description`);
  }
  return problems;
}

/** Variables nothing in their module reads (a caller setting them would change nothing), like tflint's unused-declarations rule. */
export function checkUnusedVariables(mod: TfModule): string[] {
  const used = new Set<string>();
  for (const site of expressionSites(mod)) {
    for (const { text } of strings(site.value, site.at)) for (const m of text.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) used.add(m[1]!);
  }
  // A variable's own validation reads it, which does not count as a use.
  const usedOutsideValidation = new Set<string>();
  for (const site of expressionSites(mod)) {
    if (site.at.startsWith('variable.')) continue;
    for (const { text } of strings(site.value, site.at)) for (const m of text.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) usedOutsideValidation.add(m[1]!);
  }
  return [...mod.variables.keys()].filter((v) => !usedOutsideValidation.has(v)).map((v) => `${mod.dir}: variable "${v}" is declared but never used${used.has(v) ? ' (only by validations)' : ''}`);
}

/** Terraform's built-in functions (language reference, Terraform 1.9; `provider::` functions are checked separately). */
const TERRAFORM_FUNCTIONS = new Set([
  'abs', 'ceil', 'floor', 'log', 'max', 'min', 'parseint', 'pow', 'signum',
  'chomp', 'endswith', 'format', 'formatlist', 'indent', 'join', 'lower', 'regex', 'regexall', 'replace', 'split', 'startswith',
  'strcontains', 'strrev', 'substr', 'templatestring', 'title', 'trim', 'trimprefix', 'trimspace', 'trimsuffix', 'upper',
  'alltrue', 'anytrue', 'chunklist', 'coalesce', 'coalescelist', 'compact', 'concat', 'contains', 'distinct', 'element', 'flatten',
  'index', 'keys', 'length', 'lookup', 'matchkeys', 'merge', 'one', 'range', 'reverse', 'setintersection', 'setproduct',
  'setsubtract', 'setunion', 'slice', 'sort', 'sum', 'transpose', 'values', 'zipmap',
  'base64decode', 'base64encode', 'base64gzip', 'csvdecode', 'jsondecode', 'jsonencode', 'textdecodebase64', 'textencodebase64',
  'urlencode', 'yamldecode', 'yamlencode',
  'abspath', 'dirname', 'pathexpand', 'basename', 'file', 'fileexists', 'fileset', 'filebase64', 'templatefile',
  'formatdate', 'plantimestamp', 'timeadd', 'timecmp', 'timestamp',
  'base64sha256', 'base64sha512', 'bcrypt', 'filebase64sha256', 'filebase64sha512', 'filemd5', 'filesha1', 'filesha256',
  'filesha512', 'md5', 'rsadecrypt', 'sha1', 'sha256', 'sha512', 'uuid', 'uuidv5',
  'cidrhost', 'cidrnetmask', 'cidrsubnet', 'cidrsubnets',
  'can', 'issensitive', 'nonsensitive', 'sensitive', 'tobool', 'tolist', 'tomap', 'tonumber', 'toset', 'tostring', 'try', 'type',
]);

type AstNode = { type?: string; meta?: { name?: string }; children?: AstNode[] };

function functionNames(node: AstNode | null, found: string[] = []): string[] {
  if (!node) return found;
  if (node.type === 'function' && typeof node.meta?.name === 'string') found.push(node.meta.name);
  for (const child of node.children ?? []) functionNames(child, found);
  return found;
}

/** Every function called in an expression is a Terraform built-in (a typo or an invented function fails `terraform validate`). */
export async function checkFunctions(mod: TfModule): Promise<string[]> {
  const problems: string[] = [];
  for (const site of expressionSites(mod)) {
    for (const { at, text } of strings(site.value, site.at)) {
      if (!text.includes('${')) continue;
      const quoted = text.startsWith('"') ? text : `"${text}"`;
      const ast = (await getExpressionAst(`${mod.dir}/${at}`, wrapTerraformExpression(quoted).wrap)) as AstNode | null;
      for (const name of functionNames(ast)) {
        if (!TERRAFORM_FUNCTIONS.has(name) && !name.startsWith('provider::')) problems.push(`${mod.dir}: ${at}: ${name}() is not a Terraform function`);
      }
    }
  }
  return problems;
}
