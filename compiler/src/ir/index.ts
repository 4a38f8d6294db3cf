/**
 * The IR without the compiler: types, schema validation, digest and the read-only graph views.
 * This is all a runtime needs (`@coil/compiler/ir`); it loads neither Langium nor the emitters.
 */
export * from './types.js';
export { canonicalJson, digestOf, serialise, sign, signAndSerialise } from './digest.js';
export { validateWorkflow, validateSourceMap, verifyWorkflow, IR_SCHEMA, SOURCE_MAP_SCHEMA, type SchemaError, type Validation, type Verification, type VerifyCode } from './validate.js';
export { flowModel, descendantsOf, skippedBy, type FlowModel } from '../analyses/flow-model.js';
