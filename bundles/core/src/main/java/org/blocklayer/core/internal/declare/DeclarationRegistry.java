package org.blocklayer.core.internal.declare;

/**
 * Where a declared node is listed while its configuration lives, for {@code block:declared} and the health check.
 * Core's {@link Declarations} provides it as a service, next to the public {@code NodeDeclarations} it answers.
 */
public interface DeclarationRegistry {

    void add(DeclaredNode node);

    void remove(DeclaredNode node);
}
