/** Runnable examples of the public Java API; {@link dev.vant.examples.QuickStart} is quoted in the README. */
package dev.vant.examples;
