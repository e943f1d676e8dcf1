/**
 * Example host code: how an application wires backupkit in. Never a dependency of the library modules.
 */
package io.backupkit.examples;
