// Property tests run from a fixed seed so a CI run is reproducible; explore new seeds with
// FC_SEED=<n> (or FC_SEED=random) npm test. A failure prints its seed and counterexample either way.
import fc from 'fast-check';

const env = process.env.FC_SEED;
if (env !== 'random') fc.configureGlobal({ seed: env === undefined ? 20261126 : Number(env) });
