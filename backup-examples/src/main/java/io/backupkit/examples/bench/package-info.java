/**
 * Benchmarks against the reference tools, run by hand; the numbers go to BENCHMARKS.md.
 */
package io.backupkit.examples.bench;
