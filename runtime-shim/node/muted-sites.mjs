// Patching muted sites out of the modules built with `wasm-instrument
// --patchable` (docs/hook-contract.md, "Patchable sites"). Such a module
// exports an externref table, one slot per function site id, and makes no hook call
// for a site whose slot is not null (from the call after the one that reads
// it: a site reads its slot after its enter hook). The recorder says when it mutes a site
// (once a site); this sets that slot in every instance attached to it, and
// in an instance attached later, the slots of the sites muted before.
export const MUTED_SITES_EXPORT = 'wasm-instrument:muted-sites';

export function mutedSitesPatcher() {
  // The tables of the instances attached, held weakly: a recorder that a
  // program uses for instance after instance keeps none of them alive, and
  // the list holds only the live ones (pruned at each attach).
  let tables = [];
  const muted = []; // at most one entry per site: the recorder mutes a site once
  const patched = new Set(); // sites set in some table
  const set = (table, site) => {
    if (site >= table.length) return; // not a site of this module
    table.set(site, true);
    patched.add(site);
  };
  return {
    mute(site) {
      muted.push(site);
      for (const ref of tables) {
        const t = ref.deref();
        if (t) set(t, site);
      }
    },
    // false when the instance has no muted-sites table (not built --patchable)
    attach(instance) {
      const table = instance?.exports?.[MUTED_SITES_EXPORT];
      if (!(table instanceof WebAssembly.Table)) return false;
      tables = tables.filter((ref) => ref.deref() !== undefined);
      if (!tables.some((ref) => ref.deref() === table)) {
        tables.push(new WeakRef(table));
        for (const site of muted) set(table, site);
      }
      return true;
    },
    get sitesPatched() { return patched.size; },
  };
}
