package org.blocklayer.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The calling rule of coroutine code, checked on the compiled classes: a {@code @CoroutineFn} method is called (or
 * referenced) only from another {@code @CoroutineFn} method, or from a lambda or method reference that its
 * enclosing method hands to {@link CoWrappers} or {@link Coroutine#create}, or from a hand-written mixed function
 * that tests {@link Coroutine#inCoroutine()} itself (as {@code bdrv_drained_begin} tests {@code qemu_in_coroutine()})
 * — QEMU's {@code coroutine_fn} rule.
 */
class CoroutineRulesTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // Other modules' test jars (fakes, peers) are test code too.
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("org.blocklayer");

    @Test
    void coroutineFunctionsAreCalledOnlyFromCoroutineCode() {
        List<String> violations = new ArrayList<>();
        for (JavaClass c : CLASSES) {
            for (JavaCodeUnit unit : c.getCodeUnits()) {
                List<JavaAccess<?>> accesses = new ArrayList<>(unit.getMethodCallsFromSelf());
                accesses.addAll(unit.getMethodReferencesFromSelf());
                for (JavaAccess<?> access : accesses) {
                    if (targetsCoroutineFn(access.getTarget()) && !allowed(unit)) {
                        violations.add(access.getDescription());
                    }
                }
            }
        }
        assertThat(violations).as("@CoroutineFn called outside coroutine code").isEmpty();
    }

    @Test
    void theRuleSeesTheSeedsWrappers() {
        // Guards the rule itself: if the importer found nothing, the test above would pass vacuously.
        long coroutineFns = CLASSES.stream().flatMap(c -> c.getMethods().stream())
                .filter(m -> m.isAnnotatedWith(CoroutineFn.class)).count();
        assertThat(coroutineFns).isGreaterThan(10);
    }

    private static boolean targetsCoroutineFn(AccessTarget target) {
        return target instanceof AccessTarget.MethodCallTarget || target instanceof AccessTarget.MethodReferenceTarget
                ? target.resolveMember().map(m -> m.isAnnotatedWith(CoroutineFn.class)).orElse(false)
                        || overridesCoroutineFn(target)
                : false;
    }

    private static boolean overridesCoroutineFn(AccessTarget target) {
        return target.getOwner().getAllRawInterfaces().stream()
                .flatMap(i -> i.getMethods().stream())
                .anyMatch(m -> m.getName().equals(target.getName()) && m.isAnnotatedWith(CoroutineFn.class));
    }

    private static boolean allowed(JavaCodeUnit unit) {
        if (unit.isAnnotatedWith(CoroutineFn.class)) {
            return true;
        }
        Optional<JavaCodeUnit> enclosing = enclosingOfLambda(unit);
        JavaCodeUnit handsOff = enclosing.orElse(unit);
        return handsOff.getMethodCallsFromSelf().stream().anyMatch(call ->
                call.getTargetOwner().isEquivalentTo(CoWrappers.class)
                        || call.getTargetOwner().isEquivalentTo(Coroutine.class)
                        && (call.getName().equals("create") || call.getName().equals("inCoroutine")));
    }

    /** {@code lambda$getLength$3} belongs to {@code getLength} of the same class. */
    private static Optional<JavaCodeUnit> enclosingOfLambda(JavaCodeUnit unit) {
        String name = unit.getName();
        if (!name.startsWith("lambda$")) {
            return Optional.empty();
        }
        String enclosingName = name.substring("lambda$".length(), name.lastIndexOf('$'));
        return unit.getOwner().getCodeUnits().stream()
                .filter(u -> u.getName().equals(enclosingName) || enclosingName.equals("new")
                        && u.getName().equals("<init>") || enclosingName.equals("static") && u.getName().equals("<clinit>"))
                .filter(u -> !(u instanceof JavaMethod m) || !m.getName().startsWith("lambda$"))
                .findFirst();
    }
}
