// What `npm test` imports of the builder's state (test/builder_state.test.mjs): the pure edits
// and the model's helpers, in one bundle.
export * from "./edit";
export { asSessionTour, merge, newStepId, stepOfPath, suggestPattern, textIn, withText } from "./model";
