/**
 * The backend contract: abstract JUnit 5 classes that state, once, every behaviour a {@link
 * dev.agentstore.Backend} must have. A backend's test module mixes its {@link
 * dev.agentstore.contract.BackendUnderTest} into a one-line subclass of each contract class. Only
 * the public API is used here; nothing in this package may reach into {@code internal}.
 */
package dev.agentstore.contract;
