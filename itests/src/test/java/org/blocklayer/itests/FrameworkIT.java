package org.blocklayer.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/**
 * Which framework the suite runs in, and what blocklayer needs from it. itests/pom.xml runs the Pax Exam suite once
 * per framework (failsafe executions {@code felix} and {@code equinox}) and names the framework it put on the class
 * path in {@code blocklayer.itest.framework}: this test makes sure the container really is that one, so a class path
 * mix-up cannot quietly run the suite twice in the same framework.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FrameworkIT extends TestSupport {

    @Test
    public void containerIsTheFrameworkThisExecutionSelected() {
        String expected = System.getProperty("blocklayer.itest.framework");
        if (expected == null || expected.isEmpty()) {
            fail("System property blocklayer.itest.framework is not set: run the integration tests through Maven"
                    + " (failsafe executions felix and equinox in itests/pom.xml)");
        }
        Bundle system = bundleContext.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        assertEquals("the system bundle of the running framework", expected, system.getSymbolicName());
    }

    /** Every bundle resolved and started: osgi.ee JavaSE 25 and the java.lang.foreign imports resolve here. */
    @Test
    public void everyBundleIsActive() {
        for (Bundle b : bundleContext.getBundles()) {
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            assertEquals(b.getSymbolicName() + " " + b.getVersion() + " state", fragment ? Bundle.RESOLVED
                    : Bundle.ACTIVE, b.getState());
        }
    }

    /**
     * The continuation backend's class is visible to core through boot delegation of {@code jdk.internal.vm}, as the
     * framework property in TestSupport asks: without it core would fall back to virtual threads.
     */
    @Test
    public void coreSeesJdkInternalVmThroughBootDelegation() throws Exception {
        Bundle core = null;
        for (Bundle b : bundleContext.getBundles()) {
            if ("org.blocklayer.core".equals(b.getSymbolicName())) {
                core = b;
            }
        }
        assertNotNull("org.blocklayer.core is installed", core);
        Class<?> continuation = core.loadClass("jdk.internal.vm.Continuation");
        assertTrue("loaded by the boot loader", continuation.getClassLoader() == null);
    }
}
