import { EventEmitter } from 'node:events';

let cached: NodeJS.Process | undefined;

/**
 * The real `process` of the running Node.js instance. Jest runs each test file in a vm context
 * whose `process` is a copy: 'exit' and signal listeners added to the copy never fire, so cleanup
 * hooks installed there would not run. Core modules come from the host realm, so the host's
 * `Function` constructor (reached through one of them) evaluates `process` in the host's scope.
 */
export function hostProcess(): NodeJS.Process {
  cached ??= findHostProcess();
  return cached;
}

function findHostProcess(): NodeJS.Process {
  try {
    const HostFunction = EventEmitter.constructor as FunctionConstructor;
    const lookup = HostFunction('return typeof process === "object" ? process : undefined');
    const candidate = lookup() as NodeJS.Process | undefined;
    if (candidate !== undefined && typeof candidate.on === 'function' && candidate.pid === process.pid) {
      return candidate;
    }
  } catch {
    // Code generation from strings can be disabled (--disallow-code-generation-from-strings).
  }
  return process;
}
