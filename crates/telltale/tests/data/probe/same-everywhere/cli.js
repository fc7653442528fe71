#!/usr/bin/env node
// Test fixture for `telltale probe`: a CLI that prints its version.
console.log('same-everywhere 1.0.0' + (process.argv.includes('--verbose') ? ' (verbose)' : ''));
