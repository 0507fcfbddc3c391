import type { AdapterReport } from '../../src/index.js';

/** One line: vendor, architecture, description, subgroup sizes, features. */
export function describeAdapter(report: AdapterReport): string {
  const subgroups = report.subgroupMinSize ? `subgroup ${report.subgroupMinSize}-${report.subgroupMaxSize}` : 'subgroup size unknown';
  return [
    `adapter ${report.vendor || '?'} / ${report.architecture || '?'}`,
    report.description || report.device || '(no description)',
    report.isFallbackAdapter ? 'fallback (software)' : 'hardware',
    subgroups,
    `features: ${report.features.join(', ') || 'none'}`,
  ].join(' · ');
}
