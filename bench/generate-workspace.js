#!/usr/bin/env node
/**
 * Generates a synthetic but valid Coil workspace for the `coil check` benchmark: a shared library
 * (sites; roles, qualifications, materials and assays) and ~100 process files that are variants of
 * examples/autologous-fresh.coil (renamed processes, steps and deviations; different sites, step
 * counts, parameters, parallel blocks, decisions, QC plans and scenarios).
 *
 * Deterministic: the same seed gives byte-identical files, so runs are comparable.
 *
 *   node bench/generate-workspace.js <dir> [--seed 42] [--files 100] [--lines 50000] [--big 10000]
 *
 * As a module: generateWorkspace(), generateLargeFile(), writeSources().
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCharacter } from '@coil/language/identity';

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32).

export function createRandom(seed) {
    let a = seed >>> 0;
    const next = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const random = {
        next,
        int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
        chance: p => next() < p,
        pick: list => list[Math.floor(next() * list.length)],
        sample: (list, n) => {
            const copy = [...list];
            const out = [];
            while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
            return out;
        },
    };
    return random;
}

// ---------------------------------------------------------------------------------------------
// Keywords of the grammar: generated names must not be one of them.

const KEYWORDS = new Set(`site room grade equipment in storage at qualification role requires material origin container
stability patient donor reagent assay method turnaround result quantity choice fail complete none open closed continue
reject release text start end min max blocked ready running failed released rejected process version product identity
vein_to_vein within on breach raise effective autologous allogeneic step by verified another after duration late consumes
produces x record out_of_range datetime verify of independently mismatch sign performer verifier sender receiver failure
transfer from to keep excursion dispatch receipt parallel branch decide otherwise when is goto rework most times terminate
hold qc test expect pending_allowed passed no deviation severity or above reconciled physician acceptance exceptional
notify authority minor major critical quarantine batch disposition options does not block scan receive reading exceptionally
refused in_progress on_hold terminated`.split(/\s+/));

function checkName(name) {
    if (KEYWORDS.has(name) || !/^[_a-zA-Z]\w*$/.test(name)) throw new Error(`generator bug: '${name}' cannot be a name`);
    return name;
}

// ---------------------------------------------------------------------------------------------
// The shared library: the same for every seed, so that process files differ, not the library.

const COLLECTION_SITES = [
    { name: 'CollectionCentre', title: 'St. Elsewhere Apheresis Unit' },
    { name: 'CityApheresis', title: 'City Hospital Apheresis Unit' },
    { name: 'RegionalBloodCentre', title: 'Regional Blood Centre, collection suite' },
    { name: 'NorthClinic', title: 'North Clinic Cellular Therapy' },
];
const PLANTS = [
    { name: 'Plant', title: 'Coil Cell Therapy Plant, Building 2' },
    { name: 'PlantEast', title: 'Coil Cell Therapy Plant East' },
    { name: 'PlantWest', title: 'Contract manufacturer, West campus' },
];
const TREATMENT_CENTRES = [
    { name: 'TreatmentCentre', title: 'University Hospital Cellular Therapy Unit' },
    { name: 'ChildrensHospital', title: "Children's Hospital Haematology" },
    { name: 'CancerCentre', title: 'Comprehensive Cancer Centre' },
    { name: 'GeneralHospital', title: 'General Hospital Transplant Unit' },
    { name: 'CoastalHospital', title: 'Coastal Regional Hospital' },
];

function renderSites() {
    const out = ['// Sites of the benchmark workspace: apheresis centres, manufacturing plants and treatment centres.', ''];
    for (const s of COLLECTION_SITES) {
        out.push(`site ${s.name} "${s.title}" {`,
            '  room ApheresisBay "Apheresis bay" grade CNC',
            '  room CryoLab "Cell processing laboratory" grade C',
            '  equipment Spectra "Spectra Optia apheresis system" in ApheresisBay',
            '  equipment SiteFreezer "Controlled-rate freezer" in CryoLab',
            '  storage SiteDewar "Vapour-phase LN2 dewar" at <= -150 °C',
            '}', '');
    }
    for (const s of PLANTS) {
        out.push(`site ${s.name} "${s.title}" {`,
            '  room Receipt "Goods-in and receipt" grade D',
            '  room SuiteA "Manufacturing suite A" grade B',
            '  room SuiteB "Manufacturing suite B" grade B',
            '  room QCLab "QC laboratory" grade C',
            '  equipment Prodigy "CliniMACS Prodigy" in SuiteA',
            '  equipment Bioreactor "Xuri W25 rocking bioreactor" in SuiteA',
            '  equipment GRex "G-Rex 100M culture vessels" in SuiteB',
            '  equipment Electroporator "Clinical electroporation system" in SuiteB',
            '  equipment CellWasher "Lovo cell processing system" in SuiteA',
            '  equipment CellCounter "NucleoCounter NC-202" in QCLab',
            '  equipment CRF "Controlled-rate freezer" in SuiteA',
            '  storage ColdRoom "2-8 °C cold room" at 2 °C .. 8 °C',
            '  storage Incubator "CO2 incubator" at 36 °C .. 38 °C',
            '  storage LN2Tank "Vapour-phase LN2 storage" at <= -150 °C',
            '}', '');
    }
    for (const s of TREATMENT_CENTRES) {
        out.push(`site ${s.name} "${s.title}" {`,
            '  room Pharmacy "Cell therapy pharmacy" grade CNC',
            '  room Ward "Haematology ward" grade CNC',
            '  room ICU "Intensive care unit" grade CNC',
            '  storage WardDewar "Vapour-phase LN2 dewar" at <= -150 °C',
            '}', '');
    }
    return out.join('\n');
}

/** Assays with the specification a QC test gives them and a passing / failing value for scenarios. */
const ASSAYS = [
    { name: 'Sterility', title: 'Sterility', method: 'USP <71> / Ph. Eur. 2.6.1 membrane filtration', turnaround: '14 d', result: 'choice no_growth, growth', spec: 'no_growth', pass: 'no_growth', fail: 'growth' },
    { name: 'RapidSterility', title: 'Rapid sterility', method: 'Rapid microbial detection (BacT/ALERT)', turnaround: '7 d', result: 'choice no_growth, growth', spec: 'no_growth', pass: 'no_growth', fail: 'growth' },
    { name: 'GramStain', title: 'Gram stain', method: 'Gram stain, direct', turnaround: '30 min', result: 'choice no_organisms_seen, organisms_seen', spec: 'no_organisms_seen', pass: 'no_organisms_seen', fail: 'organisms_seen' },
    { name: 'Mycoplasma', title: 'Mycoplasma', method: 'qPCR, Ph. Eur. 2.6.7', turnaround: '1 d', result: 'choice not_detected, detected', spec: 'not_detected', pass: 'not_detected', fail: 'detected' },
    { name: 'Endotoxin', title: 'Endotoxin', method: 'LAL kinetic chromogenic', turnaround: '4 h', result: 'quantity in EU/kg', spec: '< 5 EU/kg', pass: '0.8 EU/kg', fail: '7 EU/kg' },
    { name: 'Viability', title: 'Viability', method: 'Flow cytometry, 7-AAD exclusion', turnaround: '2 h', result: 'quantity in %', spec: '>= 70 %', pass: '88 %', fail: '61 %' },
    { name: 'CARPositive', title: 'CAR expression', method: 'Flow cytometry, anti-idiotype', turnaround: '4 h', result: 'quantity in %', spec: '>= 15 %', pass: '42 %', fail: '9 %' },
    { name: 'CD3Purity', title: 'CD3+ purity', method: 'Flow cytometry', turnaround: '4 h', result: 'quantity in %', spec: '>= 80 %', pass: '95 %', fail: '71 %' },
    { name: 'VCN', title: 'Vector copy number', method: 'ddPCR', turnaround: '2 d', result: 'quantity in copies/cell', spec: '<= 5 copies/cell', pass: '1.7 copies/cell', fail: '6.2 copies/cell' },
    { name: 'Potency', title: 'Potency', method: 'IFN-γ release after co-culture with CD19+ targets', turnaround: '2 d', result: 'quantity in pg/mL', spec: '> 50 pg/mL', pass: '420 pg/mL', fail: '12 pg/mL' },
    { name: 'RCL', title: 'Replication-competent lentivirus', method: 'qPCR for VSV-G', turnaround: '3 d', result: 'choice not_detected, detected', spec: 'not_detected', pass: 'not_detected', fail: 'detected' },
    { name: 'ResidualBeads', title: 'Residual beads', method: 'Microscopy', turnaround: '4 h', result: 'quantity in beads/mL', spec: '< 100 beads/mL', pass: '12 beads/mL', fail: '240 beads/mL' },
    { name: 'Appearance', title: 'Appearance', method: 'Visual inspection against a reference card', turnaround: '30 min', result: 'choice conforms, does_not_conform', spec: 'conforms', pass: 'conforms', fail: 'does_not_conform' },
    { name: 'IdentityByFlow', title: 'Identity (CD3+ CAR+ by flow)', method: 'Flow cytometry', turnaround: '4 h', result: 'choice confirmed, not_confirmed', spec: 'confirmed', pass: 'confirmed', fail: 'not_confirmed' },
    { name: 'TotalViableCells', title: 'Total viable cells', method: 'Automated cell count, acridine orange / DAPI', turnaround: '1 h', result: 'quantity in cells', spec: '1e8 cells .. 2e9 cells', pass: '4.5e8 cells', fail: '3e9 cells' },
    { name: 'ResidualIL2', title: 'Residual IL-2', method: 'ELISA', turnaround: '1 d', result: 'quantity in pg/mL', spec: '< 500 pg/mL', pass: '80 pg/mL', fail: '900 pg/mL' },
];
const ASSAY = Object.fromEntries(ASSAYS.map(a => [a.name, a]));

function renderShared() {
    const out = [
        '// Roles, qualifications, materials and assays shared by every process of the benchmark workspace.', '',
        'qualification GMPBasics "GMP fundamentals"',
        'qualification AsepticProcessing "Aseptic processing (media fill passed)"',
        'qualification ApheresisCertified "Apheresis collection, FACT-accredited"',
        'qualification ColdChain "Cold-chain and dangerous goods handling"',
        'qualification QCAnalyst "QC analyst, method-qualified"',
        'qualification QAReleaser "Qualified Person / QA batch release"',
        'qualification Electroporation "Electroporation operator training"',
        '',
        'role ApheresisNurse "Apheresis nurse" requires GMPBasics, ApheresisCertified',
        'role Operator "Manufacturing operator" requires GMPBasics, AsepticProcessing',
        'role SeniorOperator "Senior manufacturing operator" requires GMPBasics, AsepticProcessing, Electroporation',
        'role Supervisor "Manufacturing supervisor" requires GMPBasics, AsepticProcessing',
        'role Courier "Specialist courier" requires ColdChain',
        'role Logistics "Logistics coordinator" requires GMPBasics, ColdChain',
        'role Analyst "QC analyst" requires GMPBasics, QCAnalyst',
        'role QAReviewer "QA reviewer" requires GMPBasics, QAReleaser',
        'role Physician "Treating physician"',
        'role Pharmacist "Cell therapy pharmacist" requires GMPBasics',
        '',
    ];
    const materials = [
        ['Apheresis', 'Fresh leukapheresis product', 'patient', 'Apheresis collection bag, 300 mL', '2 °C .. 8 °C', '72 h'],
        ['CryoApheresis', 'Cryopreserved leukapheresis product', 'patient', 'Cryobag, 50 mL', '<= -150 °C'],
        ['ThawedApheresis', 'Thawed leukapheresis product', 'patient', 'Transfer bag, 150 mL', '2 °C .. 8 °C', '4 h'],
        ['SelectedCells', 'Selected and activated T cells', 'patient', 'Culture bag', '36 °C .. 38 °C'],
        ['ModifiedCells', 'Gene-modified T cells', 'patient', 'Culture bag', '36 °C .. 38 °C'],
        ['DrugProduct', 'CAR T drug product, cryopreserved', 'patient', 'Infusion bag, 70 mL (EVA)', '<= -150 °C'],
        ['DonorLeukopak', 'Healthy-donor leukopak', 'donor', 'Leukopak', '2 °C .. 8 °C', '48 h'],
        ['DonorCells', 'Selected healthy-donor T cells', 'donor', 'Culture bag', '36 °C .. 38 °C'],
        ['AllogeneicDose', 'Allogeneic CAR T dose, cryopreserved', 'donor', 'Infusion bag, 20 mL', '<= -150 °C'],
        ['LentiviralVector', 'Lentiviral vector, anti-CD19 CAR', 'reagent', 'Cryovial, 1 mL', '<= -60 °C'],
        ['TransposonPlasmid', 'Transposon and transposase DNA', 'reagent', 'Cryovial, 0.5 mL', '<= -60 °C'],
        ['ActivationReagent', 'Anti-CD3/CD28 activation reagent', 'reagent', 'Vial, 10 mL', '2 °C .. 8 °C'],
        ['CultureMedium', 'Serum-free T-cell medium with IL-7/IL-15', 'reagent', 'Media bag, 1 L', '2 °C .. 8 °C'],
        ['Cryomedium', 'DMSO cryopreservation medium', 'reagent', 'Bottle, 100 mL', '2 °C .. 8 °C'],
    ];
    for (const [name, title, origin, container, storage, stability] of materials) {
        out.push(`material ${name} "${title}" {`, `  origin ${origin}`, `  container "${container}"`, `  storage ${storage}`);
        if (stability) out.push(`  stability ${stability}`);
        out.push('}', '');
    }
    for (const a of ASSAYS) {
        out.push(`assay ${a.name} "${a.title}" {`, `  method "${a.method}"`, `  turnaround ${a.turnaround}`, `  result ${a.result}`, '}', '');
    }
    return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Numbers and quantities.

function fmt(x) {
    if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) {
        const exp = Math.floor(Math.log10(Math.abs(x)));
        const mantissa = Number((x / 10 ** exp).toFixed(2));
        return `${mantissa}e${exp}`;
    }
    return String(Number(x.toFixed(2)));
}

/** A quantity parameter: 'range' (in lo .. hi), 'bound' (op v) or 'unit' (in unit). */
function qparam(name, title, unit, spec, dev) {
    return { name: checkName(name), title, kind: 'quantity', unit, ...spec, dev };
}

/** A value of a parameter that meets its specification, for scenarios. */
function goodValue(p, r) {
    switch (p.kind) {
        case 'quantity': {
            let v;
            if (p.lo !== undefined) v = p.lo + (p.hi - p.lo) * (0.3 + 0.4 * r.next());
            else if (p.op === '>=' || p.op === '>') v = p.unit === '%' ? p.v + (100 - p.v) * (0.2 + 0.7 * r.next()) : p.v * (1.2 + r.next());
            else if (p.op === '<=' || p.op === '<') v = p.v * (0.3 + 0.5 * r.next());
            else v = p.sample * (0.8 + 0.4 * r.next());
            return `${fmt(v)} ${p.unit}`;
        }
        case 'choice': return p.expect ?? p.choices[0];
        case 'text': return `"${r.pick(['LOT-', 'B', 'REF-'])}${r.int(10000, 99999)}"`;
        case 'datetime': return `"2026-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}T${String(r.int(6, 20)).padStart(2, '0')}:${r.pick(['00', '15', '30', '45'])}"`;
    }
    throw new Error(p.kind);
}

/** A value outside the specification (only for parameters with a lower bound). */
function lowValue(p) {
    const floor = p.lo ?? p.v;
    return `${fmt(floor * 0.5)} ${p.unit}`;
}

function renderParam(p) {
    const title = p.title ? ` "${p.title}"` : '';
    let type;
    switch (p.kind) {
        case 'quantity':
            type = p.lo !== undefined ? `in ${fmt(p.lo)} ${p.unit} .. ${fmt(p.hi)} ${p.unit}` : p.op ? `${p.op} ${fmt(p.v)} ${p.unit}` : `in ${p.unit}`;
            break;
        case 'choice':
            type = `choice ${p.choices.join(', ')}${p.expect ? ` expect ${p.expect}` : ''}`;
            break;
        default:
            type = p.kind;
    }
    return `record ${p.name}${title} ${type}${p.dev ? ` on out_of_range raise ${p.dev}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Identity of batches.

function din(r) {
    const facility = `${r.pick(['W', 'A', 'G', 'K'])}${r.int(1000, 9999)}`;
    const year = String(r.int(24, 29));
    const seq = String(r.int(1, 999999)).padStart(6, '0');
    return `${facility} ${year} ${seq} ${checkCharacter(`${facility}${year}${seq}`)}`;
}

function coi(r) {
    const facility = `${r.pick(['W', 'A', 'G', 'K'])}${r.int(1000, 9999)}`;
    const year = String(r.int(24, 29));
    const seq = `${r.pick(['A', 'B', 'C', 'X'])}${String(r.int(1, 99999)).padStart(5, '0')}`;
    return `CH ${facility} ${year} ${seq} ${checkCharacter(`CH${facility}${year}${seq}`)}`;
}

// ---------------------------------------------------------------------------------------------
// One process.

const SYNONYMS = {
    collect: ['Collect', 'Leukapheresis', 'Collection', 'CollectCells'],
    freeze: ['FreezeStart', 'CryopreserveApheresis', 'SiteFreeze'],
    shipStart: ['ShipApheresis', 'ShipStartingMaterial', 'InboundShipment', 'ShipToPlant'],
    receive: ['Receive', 'GoodsIn', 'ReceiptInspection', 'Intake'],
    thaw: ['ThawStart', 'ThawApheresis', 'ThawInput'],
    select: ['Select', 'Enrich', 'SelectTCells', 'Isolate'],
    activate: ['Activate', 'Stimulate', 'ActivateTCells'],
    transduce: ['Transduce', 'TransduceCells', 'GeneTransfer', 'Modify'],
    electroporate: ['Electroporate', 'Nucleofect', 'TransposonTransfer'],
    expand: ['Expand', 'Culture', 'Grow', 'ExpandCells'],
    wash: ['Wash', 'HarvestWash', 'Concentrate'],
    formulate: ['Formulate', 'FillFinish', 'HarvestFill', 'Fill'],
    cryo: ['Cryopreserve', 'Freeze', 'ControlledRateFreeze'],
    shipProduct: ['ShipProduct', 'ShipDose', 'OutboundShipment', 'ShipToClinic'],
    thawSite: ['ThawProduct', 'BedsideThaw', 'PharmacyThaw'],
    infuse: ['Infuse', 'Administer', 'Infusion'],
    followUp: ['FollowUp', 'Monitor', 'PostInfusionReview'],
    yieldCheck: ['YieldCheck', 'DoseCheck', 'HarvestDecision'],
    integrityCheck: ['IntegrityCheck', 'BagCheck', 'ReceiptDecision'],
    releaseQc: ['ReleaseTesting', 'ReleasePanel', 'LotRelease', 'FinalQc'],
    ipcQc: ['InProcessTesting', 'IpcPanel', 'MidProcessQc'],
    // deviations
    v2v: ['VeinToVeinExceeded', 'BudgetExceeded', 'V2VOverrun'],
    hold: ['HoldExceeded', 'HoldTimeBreach', 'StartHoldExceeded'],
    delay: ['TransportDelayed', 'ShipmentLate', 'CourierDelay'],
    temp: ['TemperatureExcursion', 'ColdChainBreak', 'TempOutOfRange'],
    mismatch: ['IdentityMismatch', 'LabelMismatch', 'ChainOfIdentityBreak'],
    lowStart: ['LowStartingMaterial', 'LowCollection', 'PoorCollection'],
    lowPurity: ['LowPurity', 'PurityBelowSpec', 'SelectionFailure'],
    lowYield: ['LowYield', 'YieldBelowTarget', 'PoorExpansion'],
    overrun: ['ExpansionOverrun', 'CultureOverrun', 'LateHarvest'],
    dose: ['DoseOutOfRange', 'DoseOutOfSpec', 'WrongDose'],
    freezeFail: ['FreezeProfileFailed', 'FreezeCurveDeviation', 'CryoFailure'],
    sterility: ['SterilityPositive', 'MicrobialContamination', 'SterilityFailure'],
    damaged: ['DamagedBag', 'BagIntegrityFailure', 'LeakingBag'],
    lowTransfer: ['LowTransduction', 'LowGeneTransfer', 'PoorTransfection'],
    ipc: ['IpcOutOfRange', 'InProcessOutOfSpec', 'CultureOutOfTrend'],
    reaction: ['InfusionReaction', 'AdverseReaction', 'InfusionEvent'],
};

const PRODUCT_NAMES = ['CD19', 'BCMA', 'CD22', 'GD2', 'HER2', 'CD30', 'CD7', 'Mesothelin', 'PSMA', 'CLL1'];
const PLATFORM_NAMES = ['Fresh', 'Cryo', 'Rapid', 'Closed', 'Automated', 'NextDay', 'Decentral', 'Classic'];

/**
 * Builds the model of one process: a list of elements plus what scenarios need.
 * `index` makes the process name unique in the workspace.
 */
function buildProcess(r, index, targetLines) {
    const used = new Set();
    const nm = (key, suffix = '') => {
        let base = r.pick(SYNONYMS[key] ?? [key]) + suffix;
        let name = base;
        for (let i = 2; used.has(name); i++) name = `${base}${i}`;
        used.add(checkName(name));
        return name;
    };
    const allogeneic = r.chance(0.2);
    const cryoStart = !allogeneic && r.chance(0.4);
    const electro = r.chance(0.35);
    const target = r.pick(PRODUCT_NAMES);
    const platform = r.pick(PLATFORM_NAMES.filter(p => p !== (cryoStart ? 'Fresh' : 'Cryo')));
    const processName = checkName(`${allogeneic ? 'Allo' : 'Auto'}${target}${platform}${String(index).padStart(3, '0')}`);
    const cc = r.pick(COLLECTION_SITES).name;
    const plant = r.pick(PLANTS).name;
    const tc = r.pick(TREATMENT_CENTRES).name;
    const identityFormat = r.chance(0.7) ? 'isbt128' : 'isbt128_coi';
    const newId = () => (identityFormat === 'isbt128' ? din(r) : coi(r));
    const SM = allogeneic ? 'DonorLeukopak' : 'Apheresis';
    const IM = allogeneic ? 'DonorCells' : 'SelectedCells';
    const DP = allogeneic ? 'AllogeneicDose' : 'DrugProduct';
    const vector = electro ? 'TransposonPlasmid' : 'LentiviralVector';

    // Deviations, declared as they are first needed.
    const deviations = new Map();
    const dev = (key, severity, body) => {
        if (!deviations.has(key)) deviations.set(key, { key, name: nm(key), severity, body });
        return deviations.get(key).name;
    };
    const D = {
        v2v: dev('v2v', 'major', { title: 'Vein-to-vein budget exceeded', notify: ['QAReviewer', 'Physician'], by: 'QAReviewer', options: ['continue'] }),
        mismatch: dev('mismatch', 'critical', { title: 'Label does not match the batch identity', holdBatch: true, notify: ['QAReviewer', 'Supervisor'], by: 'QAReviewer', options: ['continue', 'terminate'] }),
        delay: dev('delay', 'major', { title: 'Transfer exceeded its validated window', quarantine: [SM, DP], notify: ['QAReviewer'], by: 'QAReviewer', options: ['continue', 'reject'] }),
        temp: dev('temp', 'major', { title: 'Temperature outside the validated range', quarantine: [SM, DP], notify: ['QAReviewer'], by: 'QAReviewer', options: ['continue', 'reject'] }),
        lowStart: dev('lowStart', 'minor', { title: 'Starting material below specification', notify: ['Supervisor'], by: 'Supervisor', options: ['continue', 'reject'], doesNotBlock: true }),
    };

    const elements = [];
    const flow = []; // activities in written order, with their parameters (for scenarios)
    const step = s => {
        s.name = s.name ?? nm(s.key);
        s.kind = 'step';
        flow.push(s);
        return s;
    };
    const transfer = t => {
        t.kind = 'transfer';
        flow.push(t);
        return t;
    };
    const dur = (lo, hi, unit) => `${lo} ${unit} .. ${hi} ${unit}`;

    // --- collection
    const collect = step({
        key: 'collect', title: allogeneic ? 'Donor leukapheresis' : 'Leukapheresis', at: `${cc}.ApheresisBay`, by: 'ApheresisNurse',
        duration: dur(r.pick([2, 3]), r.pick([5, 6, 7]), 'h'), produces: [SM], equipment: ['Spectra'],
        verify: { material: SM, dev: D.mismatch },
        params: [
            qparam('volume', 'Collected volume', 'mL', { lo: r.pick([50, 100, 150]), hi: r.pick([300, 400, 500]) }, D.lowStart),
            qparam('cd3_cells', 'CD3+ cells collected', 'cells', { lo: r.pick([0.5e9, 0.6e9, 1e9]), hi: r.pick([15e9, 20e9, 30e9]) }, D.lowStart),
            ...(r.chance(0.5) ? [qparam('wbc', 'White blood cell count', 'cells/mL', { lo: 5e6, hi: 2e8 })] : []),
            ...(r.chance(0.4) ? [qparam('hct', 'Haematocrit', '%', { op: '<=', v: r.pick([3, 5, 8]) })] : []),
            { name: 'collected_at', title: 'Collection end', kind: 'datetime' },
        ],
        signs: ['performer "Collected by"'],
    });
    elements.push(collect);

    let shipped = SM;
    let freezeStep;
    if (cryoStart) {
        freezeStep = step({
            key: 'freeze', title: 'Cryopreserve apheresis at the collection site', at: `${cc}.CryoLab`, by: 'ApheresisNurse',
            duration: dur(1, 3, 'h'), consumes: [SM], produces: ['CryoApheresis'], equipment: ['SiteFreezer'],
            verify: { material: SM, dev: D.mismatch },
            params: [qparam('bags_frozen', 'Bags frozen', 'bags', { lo: 1, hi: 4 }), { name: 'freeze_end', title: 'Freeze end', kind: 'datetime' }],
            signs: ['performer "Frozen"'],
        });
        elements.push(freezeStep);
        shipped = 'CryoApheresis';
    }
    const shipStart = transfer({
        name: nm('shipStart'), material: shipped, from: cc, to: `${plant}.Receipt`, by: 'Courier',
        within: `${r.pick([24, 30, 36, 48])} h`, withinDev: D.delay,
        keep: cryoStart ? '<= -150 °C' : '2 °C .. 8 °C', keepDev: D.temp, reading: cryoStart ? '-170 °C' : '5 °C', badReading: cryoStart ? '-90 °C' : '14 °C',
        idDev: D.mismatch, sender: 'ApheresisNurse', receiver: r.pick(['Operator', 'Logistics']),
    });
    elements.push(shipStart);

    // --- receipt and first plant step
    let receive;
    let integrity;
    const receiveHere = r.chance(0.5);
    if (receiveHere) {
        const damaged = dev('damaged', 'major', { title: 'Bag damaged or leaking on receipt', quarantine: [shipped], notify: ['QAReviewer'], by: 'QAReviewer', options: ['continue', 'reject'] });
        receive = step({
            key: 'receive', title: 'Receipt and inspection', at: `${plant}.Receipt`, by: r.pick(['Operator', 'Logistics']),
            duration: dur(r.pick([15, 20, 30]), r.pick([45, 60, 90]), 'min'), consumes: [shipped], produces: [shipped],
            verify: { material: shipped, dev: D.mismatch },
            params: [
                { name: 'bag_integrity', title: 'Bag integrity', kind: 'choice', choices: ['intact', 'damaged'], expect: 'intact', dev: damaged },
                ...(cryoStart ? [] : [qparam('arrival_temp', 'Temperature on arrival', '°C', { lo: 2, hi: 8 }, D.temp)]),
                { name: 'received_at', title: 'Received', kind: 'datetime' },
            ],
            signs: ['performer "Received"'],
        });
        elements.push(receive);
        if (r.chance(0.6)) {
            integrity = { kind: 'decision', name: nm('integrityCheck'), step: receive.name, param: 'bag_integrity', branches: ['when is damaged reject'], otherwise: 'continue' };
            elements.push(integrity);
        }
    }
    let thaw;
    if (cryoStart) {
        thaw = step({
            key: 'thaw', title: 'Thaw starting material', at: `${plant}.SuiteA`, by: 'Operator', verifiedBy: 'another Operator',
            duration: dur(20, 60, 'min'), consumes: ['CryoApheresis'], produces: ['ThawedApheresis'],
            verify: { material: 'CryoApheresis', dev: D.mismatch },
            params: [qparam('thaw_viability', 'Post-thaw viability', '%', { op: '>=', v: r.pick([60, 70, 75]) }, D.lowStart)],
            signs: ['performer "Thawed"', 'verifier "Verified"'],
        });
        elements.push(thaw);
    }
    const input = cryoStart ? 'ThawedApheresis' : SM;
    const lowPurity = dev('lowPurity', 'minor', { title: 'CD3+ purity below specification after selection', notify: ['Supervisor'], by: 'Supervisor', options: ['continue'], doesNotBlock: true });
    const select = step({
        key: 'select', title: 'CD4/CD8 selection', at: `${plant}.SuiteA`, by: 'Operator', verifiedBy: 'another Operator',
        duration: dur(r.pick([4, 6, 8]), r.pick([24, 36, 48]), 'h'), consumes: [input], produces: [IM], equipment: ['Prodigy'],
        verify: { material: input, dev: D.mismatch },
        params: [
            qparam('purity', 'CD3+ purity after selection', '%', { op: '>=', v: r.pick([60, 70, 80]) }, lowPurity),
            ...(r.chance(0.6) ? [qparam('recovery', 'Cell recovery', '%', { lo: r.pick([30, 40]), hi: 100 }, lowPurity)] : []),
            ...(r.chance(0.5) ? [qparam('cd4_cd8', 'CD4:CD8 ratio', '{ratio}', { lo: 0.5, hi: r.pick([3, 4, 5]) })] : []),
        ],
        signs: ['performer "Performed"', 'verifier "Verified"'],
    });
    elements.push(select);
    if (!cryoStart) {
        const hold = dev('hold', 'major', { title: 'Starting material hold time exceeded', quarantine: [SM], notify: ['QAReviewer'], by: 'QAReviewer', options: ['continue', 'reject'] });
        // The hold goes before the first plant step in the file, like the flagship example.
        elements.splice(elements.indexOf(receive ?? select), 0, { kind: 'hold', material: SM, from: `${collect.name}.end`, to: `${select.name}.start`, max: `${r.pick([36, 48, 72])} h`, at: '2 °C .. 8 °C', dev: hold });
    } else {
        const hold = dev('hold', 'major', { title: 'Cryopreserved material held too long', quarantine: ['CryoApheresis'], notify: ['QAReviewer'], by: 'QAReviewer', options: ['continue', 'reject'] });
        elements.splice(elements.indexOf(shipStart), 0, { kind: 'hold', material: 'CryoApheresis', from: `${freezeStep.name}.end`, to: `${shipStart.name}.dispatch`, max: `${r.pick([30, 60, 90])} d`, at: '<= -150 °C', dev: hold });
    }

    if (r.chance(0.6)) {
        elements.push(step({
            key: 'activate', title: 'Activation', at: `${plant}.SuiteA`, by: 'Operator',
            duration: dur(r.pick([12, 18, 24]), r.pick([30, 36, 48]), 'h'), consumes: [IM, 'ActivationReagent'], produces: [IM],
            verify: { material: IM },
            params: [
                { name: 'reagent_lot', title: 'Activation reagent lot', kind: 'text' },
                qparam('seeding_density', 'Seeding density', 'cells/mL', { lo: 0.5e6, hi: 2e6 }),
            ],
            signs: ['performer "Performed"'],
        }));
    }

    const lowTransfer = dev('lowTransfer', 'major', { title: 'Gene transfer below target', notify: ['Supervisor', 'QAReviewer'], by: 'QAReviewer', options: ['continue', 'reject'] });
    const modified = allogeneic ? IM : r.chance(0.5) ? 'ModifiedCells' : IM;
    const gene = electro
        ? step({
            key: 'electroporate', title: 'Electroporation with transposon DNA', at: `${plant}.SuiteB`, by: 'SeniorOperator', verifiedBy: 'Supervisor',
            duration: dur(2, r.pick([4, 6]), 'h'), consumes: [IM, vector], produces: [modified], equipment: ['Electroporator'],
            verify: { material: IM },
            params: [
                { name: 'dna_lot', title: 'DNA lot', kind: 'text' },
                qparam('pulse_voltage', 'Pulse voltage', 'V', { lo: 400, hi: 600 }),
                qparam('post_ep_viability', 'Viability after electroporation', '%', { op: '>=', v: r.pick([50, 60]) }, lowTransfer),
            ],
            signs: ['performer "Performed"', 'verifier "Verified"'],
        })
        : step({
            key: 'transduce', title: 'Lentiviral transduction', at: `${plant}.SuiteA`, by: 'Operator', verifiedBy: r.chance(0.5) ? 'Supervisor' : 'another Operator',
            duration: dur(1, r.pick([1, 2]), 'd'), consumes: [IM, vector], produces: [modified],
            verify: { material: IM },
            params: [
                { name: 'vector_lot', title: 'Vector lot', kind: 'text' },
                qparam('moi', 'Multiplicity of infection', '{copies}/{cell}', { lo: r.pick([2, 5]), hi: r.pick([10, 15]) }, lowTransfer),
            ],
            signs: ['performer "Performed"', 'verifier "Verified"'],
        });
    elements.push(gene);

    // --- expansion, possibly with a parallel monitoring branch
    const overrun = dev('overrun', 'minor', { title: 'Expansion longer than validated', notify: ['Supervisor'], by: 'Supervisor', options: ['continue'] });
    const yieldFloor = r.pick([0.8e9, 1e9, 1.2e9, 2e9]);
    const expand = step({
        key: 'expand', title: 'Expansion', at: `${plant}.${electro ? 'SuiteB' : 'SuiteA'}`, by: 'Operator',
        duration: dur(r.pick([5, 6, 7]), r.pick([9, 10, 12]), 'd'), lateDev: overrun, consumes: [modified], produces: [modified],
        equipment: [electro ? 'GRex' : 'Bioreactor'], verify: { material: modified },
        params: [
            qparam('viable_cells', 'Viable cells at harvest', 'cells', { op: '>=', v: yieldFloor }, null),
            qparam('day5_car', 'Day-5 CAR+ (IPC)', '%', { op: '>=', v: r.pick([5, 10]) }),
            ...(r.chance(0.5) ? [qparam('fold_expansion', 'Fold expansion', '{fold}', { op: '>=', v: r.pick([10, 20]) })] : []),
        ],
        signs: ['performer "Performed"'],
    });
    const lowYield = dev('lowYield', 'major', { title: 'Viable cell yield below target', notify: ['Supervisor', 'QAReviewer'], by: 'QAReviewer', options: ['rework', 'continue', 'reject'], rework: `${expand.name} at most 1 times` });
    expand.params[0].dev = lowYield;
    const ipc = dev('ipc', 'minor', { title: 'In-process result outside the expected trend', notify: ['Supervisor'], by: 'Supervisor', options: ['continue'], doesNotBlock: true });
    const monitoring = [];
    let parallel;
    if (r.chance(0.6)) {
        parallel = { kind: 'parallel', culture: [expand], monitoring, cultureName: checkName(r.pick(['CultureArm', 'CultureBranch', 'Growth'])), monitoringName: checkName(r.pick(['Monitoring', 'Sampling', 'Ipc'])) };
        elements.push(parallel);
    } else {
        elements.push(expand);
    }
    const days = new Set();
    const addMonitoringStep = () => {
        const kindFeed = r.chance(0.5);
        let day = r.int(2, 12);
        for (let i = 0; days.has(`${kindFeed}${day}`) && i < 40; i++) day = r.int(2, 20);
        if (days.has(`${kindFeed}${day}`)) return false;
        days.add(`${kindFeed}${day}`);
        const s = kindFeed
            ? {
                key: `FeedDay${day}`, name: nm(`FeedDay${day}`), title: `Media exchange, day ${day}`, at: `${plant}.${electro ? 'SuiteB' : 'SuiteA'}`, by: 'Operator',
                duration: dur(r.pick([20, 30]), r.pick([60, 90]), 'min'), consumes: [modified, 'CultureMedium'], produces: [modified],
                verify: { material: modified },
                params: [
                    { name: 'medium_lot', title: 'Medium lot', kind: 'text' },
                    qparam('volume_added', 'Medium added', 'mL', { lo: r.pick([100, 200]), hi: r.pick([500, 1000]) }),
                    ...(r.chance(0.5) ? [qparam('glucose', 'Glucose before feed', 'g/L', { lo: 0.5, hi: 5 }, ipc)] : []),
                ],
                signs: ['performer "Fed"'],
            }
            : {
                key: `SampleDay${day}`, name: nm(`SampleDay${day}`), title: `In-process sample, day ${day}`, at: `${plant}.QCLab`, by: 'Analyst',
                duration: dur(r.pick([30, 45]), r.pick([90, 120]), 'min'), equipment: ['CellCounter'],
                params: [
                    qparam('viable_density', 'Viable cell density', 'cells/mL', { lo: 0.2e6, hi: 5e6 }, ipc),
                    qparam('viability', 'Viability', '%', { op: '>=', v: r.pick([70, 75, 80]) }, r.chance(0.5) ? ipc : dev(`LowViabilityDay${day}`, r.pick(['minor', 'major']), {
                        title: `Viability below the day-${day} limit`, notify: ['Supervisor', ...(r.chance(0.5) ? ['QAReviewer'] : [])],
                        by: r.pick(['Supervisor', 'QAReviewer']), options: r.pick([['continue'], ['continue', 'reject']]),
                    })),
                    ...(r.chance(0.5) ? [qparam('lactate', 'Lactate', 'mmol/L', { op: '<=', v: r.pick([15, 20, 25]) }, ipc)] : []),
                    ...(r.chance(0.3) ? [{ name: 'sample_id', title: 'Sample identifier', kind: 'text' }] : []),
                ],
                signs: ['performer "Sampled"'],
            };
        s.kind = 'step';
        if (parallel) {
            // Monitoring runs beside the culture; a step there may wait for another one.
            if (monitoring.length > 0 && r.chance(0.4)) s.after = [r.pick(monitoring).name];
            monitoring.push(s);
        } else {
            elements.splice(elements.indexOf(expand), 0, s);
        }
        flow.splice(flow.indexOf(expand) + (parallel ? monitoring.length : 0), 0, s);
        return true;
    };
    const monitoringSteps = parallel ? r.int(1, 3) : r.int(0, 2);
    for (let i = 0; i < monitoringSteps; i++) addMonitoringStep();

    const yieldCheck = {
        kind: 'decision', name: nm('yieldCheck'), step: expand.name, param: 'viable_cells',
        branches: [`when < ${fmt(yieldFloor)} cells rework ${expand.name} at most ${r.pick([1, 2])} times`], otherwise: 'continue',
    };
    if (r.chance(0.3)) yieldCheck.branches.push(`when < ${fmt(yieldFloor / 4)} cells ${r.pick(['reject', 'terminate'])}`);
    // The first branch that holds is taken: put the stricter bound first.
    yieldCheck.branches.reverse();
    elements.push(yieldCheck);

    // --- harvest, formulation, freezing
    let wash;
    if (r.chance(0.5)) {
        wash = step({
            key: 'wash', title: 'Harvest and wash', at: `${plant}.SuiteA`, by: 'Operator',
            duration: dur(2, r.pick([4, 5]), 'h'), consumes: [modified], produces: [modified], equipment: ['CellWasher'],
            verify: { material: modified },
            params: [qparam('wash_recovery', 'Recovery after wash', '%', { op: '>=', v: r.pick([60, 70]) }, lowYield)],
            signs: ['performer "Washed"'],
        });
        elements.push(wash);
    }
    const doseDev = dev('dose', 'major', { title: 'Dose outside the labelled range', quarantine: [DP], notify: ['QAReviewer'], by: 'QAReviewer', options: ['release', 'reject'] });
    const bags = r.int(1, 3);
    const formulate = step({
        key: 'formulate', title: 'Harvest, formulation and fill', at: `${plant}.SuiteA`, by: 'Operator', verifiedBy: 'another Operator',
        duration: dur(r.pick([3, 4]), r.pick([6, 8]), 'h'), consumes: [modified, ...(r.chance(0.5) ? ['Cryomedium'] : [])], produces: [`${bags} x ${DP}`],
        verify: { material: modified },
        params: [
            allogeneic
                ? qparam('dose', 'CAR+ viable T cells per dose', 'cells', { lo: 5e7, hi: 5e8 }, doseDev)
                : qparam('dose', 'CAR+ viable T cells per kg', 'cells/kg', { lo: r.pick([0.2e6, 0.5e6, 1e6]), hi: r.pick([2e6, 5e6]) }, doseDev),
            { name: 'bags', title: 'Infusion bags filled', kind: 'choice', choices: ['one', 'two', 'three'].slice(0, Math.max(2, bags)) },
            ...(r.chance(0.5) ? [qparam('fill_volume', 'Fill volume per bag', 'mL', { lo: r.pick([10, 20]), hi: r.pick([70, 100]) }, doseDev)] : []),
        ],
        signs: ['performer "Formulated"', 'verifier "Label and fill verified"'],
    });
    elements.push(formulate);
    const freezeFail = dev('freezeFail', 'major', { title: 'Freeze curve outside the validated profile', quarantine: [DP], by: 'QAReviewer', options: ['continue', 'reject'] });
    const cryo = step({
        key: 'cryo', title: 'Controlled-rate freezing', at: `${plant}.SuiteA`, by: 'Operator', verifiedBy: r.chance(0.5) ? 'another Operator' : 'Supervisor',
        duration: dur(2, r.pick([3, 4]), 'h'), consumes: [DP], produces: [DP], equipment: ['CRF'],
        verify: { material: DP },
        params: [{ name: 'freeze_profile', title: 'Freeze curve within profile', kind: 'choice', choices: ['pass', 'fail'], expect: 'pass', dev: freezeFail }],
        signs: ['performer "Frozen"', 'verifier "Labels reconciled"'],
    });
    elements.push(cryo);
    if (r.chance(0.3)) {
        // A high yield skips the wash and goes straight to formulation. (Only a wash can be skipped:
        // a goto that jumps over formulation or freezing would leave a step that never runs, COIL-F011.)
        const target = r.pick([formulate, cryo]);
        if (wash && target === formulate) yieldCheck.branches.push(`when >= ${fmt(yieldFloor * 5)} cells goto ${formulate.name}`);
    }

    // --- QC and release
    const sterility = dev('sterility', 'critical', { title: 'Sterility test positive', quarantine: [DP], notify: ['QAReviewer', 'Physician'], by: 'QAReviewer', options: ['reject'] });
    const mandatory = ['Sterility', 'Mycoplasma', 'Endotoxin', 'Viability'];
    const optional = ['GramStain', 'CARPositive', 'VCN', 'Potency', 'Appearance', 'IdentityByFlow', 'TotalViableCells', 'ResidualBeads', ...(electro ? [] : ['RCL']), 'ResidualIL2'];
    const releaseTests = [...mandatory, ...r.sample(optional, r.int(3, 7))].map(a => ({
        assay: a,
        turnaround: r.chance(0.15) ? r.pick(['1 d', '2 d', '7 d']) : undefined,
        pendingAllowed: a === 'Sterility' && r.chance(0.7),
        dev: a === 'Sterility' ? sterility : undefined,
    }));
    const releaseQc = { kind: 'qc', name: nm('releaseQc'), step: formulate.name, material: DP, tests: releaseTests };
    let ipcQc;
    if (r.chance(0.5)) {
        ipcQc = { kind: 'qc', name: nm('ipcQc'), step: expand.name, material: modified, tests: r.sample(['Viability', 'CD3Purity', 'CARPositive', 'Mycoplasma', 'RapidSterility', 'TotalViableCells'], r.int(2, 4)).map(a => ({ assay: a })) };
        elements.push(ipcQc);
    }
    elements.push(releaseQc);
    const tested = new Set(releaseTests.map(t => t.assay));
    const release = {
        kind: 'release', material: DP, by: 'QAReviewer',
        requires: [
            `qc ${releaseQc.name} passed`,
            ...(ipcQc && r.chance(0.5) ? [`qc ${ipcQc.name} passed`] : []),
            `no open deviation${r.chance(0.8) ? ` of severity ${r.pick(['major', 'minor'])} or above` : ''}`,
            'identity reconciled',
            `step ${cryo.name} complete`,
        ],
        signs: [r.pick(['"Released for infusion"', '"Certified by the Qualified Person"', '"QA release"'])],
        exceptional: r.chance(0.6) ? {
            by: 'QAReviewer', requires: ['physician acceptance', ...r.sample(['Sterility', 'Mycoplasma', 'GramStain'].filter(a => tested.has(a)), r.int(1, 2)).map(a => `assay ${a} passed`)],
            notify: `${r.pick([24, 48, 72])} h`, signs: ['"Released out of specification under expanded access"'],
        } : undefined,
    };
    elements.push(release);

    // --- shipment and administration
    const shipProduct = transfer({
        name: nm('shipProduct'), material: DP, from: plant, to: `${tc}.Pharmacy`, by: 'Courier',
        within: `${r.pick([3, 5, 7])} d`, withinDev: D.delay, keep: '<= -150 °C', keepDev: D.temp, reading: '-165 °C', badReading: '-120 °C',
        idDev: D.mismatch, sender: r.pick(['Operator', 'Logistics']), receiver: 'Pharmacist',
    });
    elements.push(shipProduct);
    if (r.chance(0.5)) {
        elements.push({ kind: 'hold', material: DP, from: `${cryo.name}.end`, to: `${shipProduct.name}.dispatch`, ...(r.chance(0.3) ? { min: '1 d' } : {}), max: `${r.pick([90, 180, 365])} d`, at: '<= -150 °C', dev: D.temp });
    }
    if (r.chance(0.5)) {
        elements.push(step({
            key: 'thawSite', title: 'Thaw at the treatment centre', at: `${tc}.Pharmacy`, by: 'Pharmacist', verifiedBy: 'Physician',
            duration: dur(r.pick([10, 15]), r.pick([30, 45]), 'min'), consumes: [DP], produces: [DP],
            verify: { material: DP, dev: D.mismatch },
            params: [qparam('thaw_duration', 'Thaw duration', 'min', { lo: 2, hi: 10 }), { name: 'thaw_start', title: 'Thaw start', kind: 'datetime' }],
            signs: ['performer "Thawed"', 'verifier "Bag and patient verified"'],
        }));
    }
    const infuse = step({
        key: 'infuse', title: 'Infusion', at: `${tc}.Ward`, by: 'Physician', verifiedBy: 'Pharmacist',
        duration: dur(30, r.pick([2, 3]) * 60, 'min'), consumes: [DP],
        verify: { material: DP, independent: true, dev: D.mismatch },
        params: [
            { name: 'infused_at', title: 'Infusion start', kind: 'datetime' },
            ...(r.chance(0.5) ? [qparam('patient_weight', 'Patient weight', 'kg', { lo: 10, hi: 150 })] : []),
        ],
        signs: ['performer "Infused"', 'verifier "Patient and bag identity verified"'],
    });
    elements.push(infuse);
    if (r.chance(0.4)) {
        const reaction = dev('reaction', 'major', { title: 'Infusion reaction', notify: ['Physician', 'QAReviewer'], by: 'Physician', options: ['continue', 'terminate'] });
        elements.push(step({
            key: 'followUp', title: 'Post-infusion monitoring', at: `${tc}.${r.pick(['Ward', 'ICU'])}`, by: 'Physician',
            duration: dur(r.pick([7, 14]), r.pick([28, 30]), 'd'),
            params: [
                { name: 'crs_grade', title: 'Cytokine release syndrome grade', kind: 'choice', choices: ['grade0', 'grade1', 'grade2', 'grade3', 'grade4'] },
                { name: 'icans', title: 'Neurotoxicity', kind: 'choice', choices: ['absent', 'present'], expect: 'absent', dev: reaction },
                ...(r.chance(0.5) ? [qparam('ferritin', 'Peak ferritin', 'ng/mL', { op: '<', v: 10000 })] : []),
            ],
            signs: ['performer "Reviewed"'],
        }));
    }

    const model = {
        name: processName, allogeneic, cryoStart, identityFormat, newId, elements, flow, deviations, D, SM, DP, IM, modified,
        shipStart, shipProduct, select, expand, formulate, cryo, receive, collect, releaseQc, release, lowYield, sterility,
        header: {
            title: `${allogeneic ? 'Allogeneic' : 'Autologous'} anti-${target} CAR T, ${cryoStart ? 'cryopreserved' : 'fresh'} ${allogeneic ? 'donor leukopak' : 'apheresis'}`,
            version: `${r.int(1, 5)}.${r.int(0, 12)}.${r.int(0, 9)}`,
            budget: `${r.pick([21, 28, 35, 42])} d`,
            effective: `20${r.int(25, 28)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
        },
        scenarios: [],
        titles: new Set(),
    };

    // --- deviations named by the process but not yet declared, and scenarios
    addScenario(model, r, 'happy');
    addScenario(model, r, 'full');
    addScenario(model, r, cryoStart ? 'excursion' : 'late');
    addScenario(model, r, 'mislabel');

    // Grow the process to its share of the workspace: more monitoring steps and more scenarios.
    // Mostly flow (with its deviations), like the flagship example; scenarios too.
    const menu = ['monitor', 'monitor', 'monitor', 'scenario'];
    let guard = 0;
    while (countLines(renderProcess(model)) < targetLines && guard++ < 200) {
        const what = r.pick(menu);
        if (what === 'monitor' && flow.length < 45 && addMonitoringStep()) continue;
        else addScenario(model, r, r.pick(['full', 'lowYield', 'sterility', 'failStep', 'excursion', 'exceptional', 'terminate', 'happy', 'late', 'mislabel']));
    }
    model.header.budget = feasibleBudget(model, model.header.budget);
    return model;
}

/**
 * The vein-to-vein budget, raised (in whole weeks) when even the fastest way through the process
 * could not meet it (COIL-T006): at least every step's minimum duration one after the other, plus
 * minimum holds, plus the longest QC turnaround that release waits for. Draws no random numbers,
 * so the rest of the process is as the seed made it.
 */
function feasibleBudget(model, budget) {
    const stepHours = model.flow.filter(a => a.kind === 'step').reduce((n, s) => n + minHours(s.duration), 0);
    const holdHours = model.elements.filter(e => e.kind === 'hold' && e.min).reduce((n, h) => n + minHours(h.min), 0);
    const waited = model.elements.filter(e => e.kind === 'qc').flatMap(q => q.tests).filter(t => !t.pendingAllowed).map(t => minHours(t.turnaround ?? ASSAY[t.assay].turnaround));
    const fastestDays = (stepHours + holdHours + Math.max(0, ...waited)) / 24;
    const days = Number(budget.split(' ')[0]);
    return days >= fastestDays ? budget : `${Math.ceil(fastestDays / 7) * 7} d`;
}

function countLines(text) {
    let n = 0;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
    return n + (text.length > 0 && !text.endsWith('\n') ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Scenarios: timelines that only name what the process declares, with values that fit.

/** The shortest duration of a step, in whole hours (`7 d .. 10 d` -> 168). */
function minHours(duration) {
    const [value, unit] = duration.split(' ');
    return Math.ceil(Number(value) * { min: 1 / 60, h: 1, d: 24 }[unit]);
}

class Timeline {
    constructor(r) {
        this.r = r;
        this.hours = 0;
        this.lines = [];
    }
    at(advanceHours) {
        this.hours += advanceHours;
        const h = this.hours;
        if (h > 0 && h % 24 === 0 && this.r.chance(0.5)) return `at ${h / 24} d `;
        if (h > 0 && h < 6 && this.r.chance(0.3)) return `at ${h * 60} min `;
        return `at ${h} h `;
    }
    add(advance, text) {
        this.lines.push(advance === null ? text : `${this.at(advance)}${text}`);
    }
}

function addScenario(model, r, kind) {
    const t = new Timeline(r);
    const id = model.newId();
    const users = ['"jdoe"', '"asmith"', '"mkhan"', '"lchen"', '"rgarcia"'];
    const start = () => t.add(0, `start batch identity "${id}"`);
    const runStep = (s, options = {}) => {
        t.add(r.int(0, 2), `start ${s.name}${r.chance(0.3) ? ` by ${r.pick(users)}` : ''}`);
        const started = t.hours;
        if (r.chance(0.3)) t.add(null, `expect step ${s.name} running`);
        if (options.scan) t.add(0, `scan "${id}" for ${s.name}`);
        let first = true;
        for (const p of s.params ?? []) {
            if (options.skipParams && !first) break;
            const value = options.values?.[p.name] ?? goodValue(p, r);
            t.add(first ? r.int(1, 4) : 0, `record ${s.name}.${p.name} = ${value}`);
            first = false;
        }
        t.add(Math.max(r.int(0, 3), minHours(s.duration) - (t.hours - started)), `complete ${s.name}`);
    };
    const ship = (tr, reading = tr.reading) => {
        t.add(r.int(1, 2), `dispatch ${tr.name} reading ${tr.reading}`);
        t.add(r.int(6, 20), `receive ${tr.name} reading ${reading}`);
    };
    const title = base => {
        let name = base;
        for (let i = 2; model.titles.has(name); i++) name = `${base} (${i})`;
        model.titles.add(name);
        return name;
    };
    const upTo = stop => {
        for (const a of model.flow) {
            if (a === stop) return;
            if (a.kind === 'transfer') ship(a);
            else runStep(a, { skipParams: r.chance(0.5) });
        }
    };
    const D = model.D;
    let heading;
    start();
    switch (kind) {
        case 'happy': {
            heading = 'happy path: collected, made and in process';
            runStep(model.collect, { scan: true });
            for (const a of model.flow.slice(1)) {
                if (a === model.expand) break;
                if (a.kind === 'transfer') ship(a);
                else runStep(a);
            }
            t.add(r.int(1, 4), `start ${model.expand.name}`);
            t.add(null, `expect step ${model.expand.name} running`);
            if (model.deviations.has('hold')) t.add(null, `expect deviation ${model.deviations.get('hold').name} none`);
            t.add(null, 'expect batch in_progress');
            break;
        }
        case 'full': {
            heading = r.pick(['full run: released and infused', 'complete batch record to infusion', 'nominal batch, released on full QC']);
            // Records of some steps are left out, as a test would: the flow is what is exercised.
            for (const el of model.elements) {
                if (el.kind === 'step') runStep(el, { skipParams: r.chance(0.4) });
                else if (el.kind === 'transfer') ship(el);
                else if (el.kind === 'parallel') {
                    for (const s of [...el.culture, ...el.monitoring]) runStep(s, { skipParams: r.chance(0.6) });
                } else if (el.kind === 'qc') {
                    let first = true;
                    for (const test of el.tests) {
                        t.add(first ? r.int(24, 72) : 0, `result ${test.assay} = ${ASSAY[test.assay].pass}`);
                        first = false;
                    }
                } else if (el.kind === 'release') {
                    t.add(r.int(1, 24), 'release');
                    t.add(null, 'expect batch released');
                }
            }
            for (const d of r.sample([...model.deviations.values()], 2)) t.add(null, `expect deviation ${d.name} none`);
            break;
        }
        case 'late': {
            const hold = model.deviations.get('hold').name;
            heading = 'late starting material is quarantined until QA decides';
            runStep(model.collect, { skipParams: true });
            t.add(1, `dispatch ${model.shipStart.name} reading ${model.shipStart.reading}`);
            t.add(r.int(30, 40), `receive ${model.shipStart.name} reading ${model.shipStart.reading}`);
            t.add(r.int(20, 40), `expect deviation ${hold} open`);
            t.add(null, `expect step ${model.select.name} blocked`);
            t.add(1, `disposition ${hold} reject`);
            t.add(null, 'expect batch rejected');
            break;
        }
        case 'mislabel': {
            heading = 'a mislabelled bag is refused at receipt';
            runStep(model.collect, { skipParams: true });
            if (model.flow[1] !== model.shipStart) upTo(model.shipStart);
            t.add(1, `dispatch ${model.shipStart.name} reading ${model.shipStart.reading}`);
            t.add(r.int(10, 20), `scan "${model.newId()}" for ${model.shipStart.name}`);
            t.add(null, `expect refused "identity does not match the batch"`);
            t.add(null, `expect deviation ${D.mismatch} open`);
            t.add(null, 'expect batch on_hold');
            if (r.chance(0.5)) {
                t.add(r.int(1, 4), `disposition ${D.mismatch} terminate`);
                t.add(null, 'expect batch terminated');
            }
            break;
        }
        case 'excursion': {
            heading = `temperature excursion in ${model.shipStart.name}`;
            upTo(model.shipStart);
            ship(model.shipStart, model.shipStart.badReading);
            t.add(null, `expect deviation ${D.temp} open`);
            t.add(r.int(1, 8), `disposition ${D.temp} ${r.pick(['continue', 'reject'])}`);
            t.add(null, `expect deviation ${D.temp} closed`);
            break;
        }
        case 'lowYield': {
            heading = `low yield at ${model.expand.name} is reworked`;
            upTo(model.expand);
            t.add(r.int(1, 3), `start ${model.expand.name}`);
            t.add(r.int(120, 200), `record ${model.expand.name}.viable_cells = ${lowValue(model.expand.params[0])}`);
            t.add(0, `complete ${model.expand.name}`);
            t.add(null, `expect deviation ${model.lowYield} open`);
            t.add(r.int(1, 6), `disposition ${model.lowYield} rework`);
            t.add(null, `expect step ${model.expand.name} ready`);
            break;
        }
        case 'sterility': {
            heading = `positive sterility rejects the batch`;
            upTo(model.cryo);
            runStep(model.cryo, { skipParams: true });
            t.add(r.int(48, 300), `result Sterility = growth`);
            t.add(null, `expect deviation ${model.sterility} open`);
            t.add(r.int(1, 24), `disposition ${model.sterility} reject`);
            t.add(null, 'expect batch rejected');
            break;
        }
        case 'failStep': {
            const candidates = model.flow.filter(a => a.kind === 'step' && a !== model.collect);
            const s = r.pick(candidates);
            heading = `${s.name} fails and the batch is rejected`;
            upTo(s);
            t.add(r.int(1, 3), `start ${s.name}`);
            t.add(r.int(1, 6), `fail ${s.name} by ${r.pick(users)}`);
            t.add(null, `expect step ${s.name} failed`);
            t.add(r.int(1, 6), 'reject');
            t.add(null, 'expect batch rejected');
            break;
        }
        case 'exceptional': {
            if (!model.release.exceptional) return addScenario(model, r, 'terminate');
            heading = 'out-of-specification product released under expanded access';
            upTo(model.shipProduct);
            const failing = model.releaseQc.tests.find(x => x.assay === 'Viability');
            t.add(r.int(24, 72), `result ${failing.assay} = ${ASSAY[failing.assay].fail}`);
            t.add(r.int(1, 12), 'release exceptionally');
            t.add(null, 'expect batch released');
            break;
        }
        case 'terminate': {
            heading = 'a broken chain of identity terminates the batch';
            runStep(model.collect, { skipParams: true });
            t.add(r.int(1, 6), `raise ${D.mismatch}`);
            t.add(null, `expect deviation ${D.mismatch} open`);
            t.add(null, 'expect batch on_hold');
            t.add(r.int(1, 6), `disposition ${D.mismatch} terminate`);
            t.add(null, 'expect batch terminated');
            break;
        }
        default:
            throw new Error(kind);
    }
    model.scenarios.push({ title: title(heading), lines: t.lines });
}

// ---------------------------------------------------------------------------------------------
// Rendering.

function renderStep(s, indent) {
    const i1 = indent + '  ';
    const head = [`step ${s.name}`, s.title ? `"${s.title}"` : '', `at ${s.at}`, `by ${s.by}`,
        s.verifiedBy ? `verified by ${s.verifiedBy}` : '', s.after?.length ? `after ${s.after.join(', ')}` : ''].filter(Boolean).join(' ');
    const out = [`${indent}${head} {`];
    out.push(`${i1}duration ${s.duration}${s.lateDev ? ` on late raise ${s.lateDev}` : ''}`);
    if (s.consumes?.length) out.push(`${i1}consumes ${s.consumes.join(', ')}`);
    if (s.produces?.length) out.push(`${i1}produces ${s.produces.join(', ')}`);
    if (s.equipment?.length) out.push(`${i1}equipment ${s.equipment.join(', ')}`);
    if (s.verify) out.push(`${i1}verify identity of ${s.verify.material}${s.verify.independent ? ' independently' : ''}${s.verify.dev ? ` on mismatch raise ${s.verify.dev}` : ''}`);
    for (const p of s.params ?? []) out.push(`${i1}${renderParam(p)}`);
    for (const sig of s.signs ?? []) out.push(`${i1}sign ${sig}`);
    out.push(`${indent}}`);
    return out;
}

function renderTransfer(t, indent) {
    const i1 = indent + '  ';
    return [
        `${indent}transfer ${t.name} of ${t.material} from ${t.from} to ${t.to} by ${t.by} {`,
        `${i1}within ${t.within} on late raise ${t.withinDev}`,
        `${i1}keep ${t.keep} on excursion raise ${t.keepDev}`,
        `${i1}verify identity at dispatch, receipt on mismatch raise ${t.idDev}`,
        `${i1}sign sender ${t.sender}, receiver ${t.receiver}`,
        `${indent}}`,
    ];
}

function renderDeviation(d) {
    const b = d.body;
    const out = [`  deviation ${d.name} "${b.title}" severity ${d.severity} {`];
    if (b.quarantine) out.push(`    quarantine ${[...new Set(b.quarantine)].join(', ')}`);
    if (b.holdBatch) out.push('    hold batch');
    if (b.notify) out.push(`    notify ${b.notify.join(', ')}`);
    if (b.rework) out.push(`    rework ${b.rework}`);
    out.push(`    disposition by ${b.by} options ${b.options.join(', ')}`);
    if (b.doesNotBlock) out.push('    does not block release');
    out.push('  }');
    return out;
}

export function renderProcess(m) {
    const h = m.header;
    const out = [
        `// ${h.title}: generated benchmark variant of the flagship process.`,
        '',
        `process ${m.name} "${h.title}" {`,
        `  version ${h.version}`,
        `  product ${m.allogeneic ? 'allogeneic' : 'autologous'}`,
        `  identity ${m.identityFormat}`,
        `  vein_to_vein within ${h.budget} on breach raise ${m.D.v2v}`,
        `  effective "${h.effective}"`,
    ];
    for (const el of m.elements) {
        out.push('');
        switch (el.kind) {
            case 'step': out.push(...renderStep(el, '  ')); break;
            case 'transfer': out.push(...renderTransfer(el, '  ')); break;
            case 'hold':
                out.push(`  hold ${el.material} from ${el.from} to ${el.to}${el.min ? ` min ${el.min}` : ''} max ${el.max} at ${el.at} on breach raise ${el.dev}`);
                break;
            case 'parallel': {
                out.push('  parallel {', `    branch ${el.cultureName} {`);
                for (const s of el.culture) out.push(...renderStep(s, '      '));
                out.push('    }');
                if (el.monitoring.length > 0) {
                    out.push(`    branch ${el.monitoringName} {`);
                    for (const s of el.monitoring) out.push(...renderStep(s, '      '));
                    out.push('    }');
                }
                out.push('  }');
                break;
            }
            case 'decision':
                out.push(`  decide ${el.name} on ${el.step}.${el.param} {`, ...el.branches.map(b => `    ${b}`), ...(el.otherwise ? [`    otherwise ${el.otherwise}`] : []), '  }');
                break;
            case 'qc':
                out.push(`  qc ${el.name} on ${el.step}${el.material ? ` of ${el.material}` : ''} {`);
                for (const t of el.tests) {
                    out.push(`    test ${t.assay}${t.turnaround ? ` turnaround ${t.turnaround}` : ''} expect ${ASSAY[t.assay].spec}${t.pendingAllowed ? ' pending_allowed' : ''}${t.dev ? ` on fail raise ${t.dev}` : ''}`);
                }
                out.push('  }');
                break;
            case 'release': {
                out.push(`  release ${el.material} by ${el.by} {`, ...el.requires.map(q => `    requires ${q}`), ...el.signs.map(s => `    sign ${s}`));
                const x = el.exceptional;
                if (x) out.push(`    exceptional by ${x.by} {`, ...x.requires.map(q => `      requires ${q}`), `      notify authority within ${x.notify}`, ...x.signs.map(s => `      sign ${s}`), '    }');
                out.push('  }');
                break;
            }
            default:
                throw new Error(el.kind);
        }
    }
    for (const d of m.deviations.values()) out.push('', ...renderDeviation(d));
    for (const s of m.scenarios) out.push('', `  scenario "${s.title}" {`, ...s.lines.map(l => `    ${l}`), '  }');
    out.push('}', '');
    return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Workspaces.

/**
 * The benchmark workspace, in memory: [{ file (relative), text, lines }]. About `lines` lines in
 * `files` process files plus the library.
 */
export function generateWorkspace({ seed = 42, files = 100, lines = 50000 } = {}) {
    const r = createRandom(seed);
    const sites = renderSites();
    const shared = renderShared();
    const out = [
        { file: 'coil.json', text: `${JSON.stringify({ name: 'bench-workspace', sources: ['.'] }, null, 2)}\n` },
        { file: 'library/sites.coil', text: sites },
        { file: 'library/shared.coil', text: shared },
    ];
    let remaining = lines - countLines(sites) - countLines(shared);
    for (let i = 1; i <= files; i++) {
        const share = remaining / (files - i + 1);
        // Vary file sizes (+-35 %) around the remaining average, so totals land near the target.
        const target = Math.max(200, Math.round(share * (0.65 + 0.7 * r.next())));
        const model = buildProcess(r, i, i === files ? remaining : target);
        const text = renderProcess(model);
        remaining -= countLines(text);
        out.push({ file: `processes/${model.name}.coil`, text });
    }
    return out.map(s => ({ ...s, lines: s.file.endsWith('.coil') ? countLines(s.text) : 0 }));
}

/**
 * One large file of about `lines` lines (many processes in one file), plus the library it needs:
 * [{ file, text, lines }].
 */
export function generateLargeFile({ seed = 4242, lines = 10000 } = {}) {
    const r = createRandom(seed);
    const parts = [];
    let total = 0;
    for (let i = 1; total < lines - 200; i++) {
        const text = renderProcess(buildProcess(r, 900 + i, Math.min(600, lines - total)));
        parts.push(text);
        total += countLines(text);
    }
    const big = parts.join('\n');
    return [
        { file: 'coil.json', text: `${JSON.stringify({ name: 'bench-large-file', sources: ['.'] }, null, 2)}\n`, lines: 0 },
        { file: 'library/sites.coil', text: renderSites(), lines: countLines(renderSites()) },
        { file: 'library/shared.coil', text: renderShared(), lines: countLines(renderShared()) },
        { file: 'large/many-processes.coil', text: big, lines: countLines(big) },
    ];
}

/** Writes generated sources under `dir`; returns the absolute paths of the .coil files. */
export function writeSources(dir, sources) {
    const written = [];
    for (const s of sources) {
        const file = path.join(dir, s.file);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, s.text);
        if (file.endsWith('.coil')) written.push(file);
    }
    return written;
}

// ---------------------------------------------------------------------------------------------
// CLI.

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const args = process.argv.slice(2);
    const option = (name, fallback) => {
        const i = args.indexOf(`--${name}`);
        return i >= 0 ? Number(args[i + 1]) : fallback;
    };
    const dir = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
    if (!dir) {
        console.error('usage: node bench/generate-workspace.js <dir> [--seed 42] [--files 100] [--lines 50000] [--big 10000]');
        process.exit(2);
    }
    const sources = generateWorkspace({ seed: option('seed', 42), files: option('files', 100), lines: option('lines', 50000) });
    const big = option('big', 0) > 0 ? generateLargeFile({ seed: option('seed', 42) + 1, lines: option('big', 10000) }) : [];
    writeSources(path.join(dir, 'workspace'), sources);
    if (big.length) writeSources(path.join(dir, 'large'), big);
    const coil = sources.filter(s => s.file.endsWith('.coil'));
    console.log(`${path.join(dir, 'workspace')}: ${coil.length} .coil files, ${coil.reduce((n, s) => n + s.lines, 0)} lines`);
    if (big.length) console.log(`${path.join(dir, 'large')}: ${big.find(s => s.file.startsWith('large/')).lines}-line file`);
}
