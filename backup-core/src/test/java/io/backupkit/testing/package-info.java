/**
 * Test utilities shipped in {@code backup-core}'s test-jar for the other modules' tests, such as
 * {@link io.backupkit.testing.FailingStore} for fault injection.
 */
package io.backupkit.testing;
