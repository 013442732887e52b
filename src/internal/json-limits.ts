/** How deeply a value may nest inside a run (objects and arrays), so that no serialisation can exhaust the stack. */
export const MAX_JSON_DEPTH = 256;
