package org.blocklayer.example.disk.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The configuration of {@link ExampleDisk}, PID {@value ExampleDisk#PID}: from Config Admin, a {@code .cfg} file
 * (File Install) or a Karaf {@code etc/} file. DS hands it to the constructor as an instance of this interface;
 * {@code node_name} is the property {@code node.name}.
 */
@ObjectClassDefinition(name = "blocklayer example disk",
        description = "A disk image the example component opens, writes a greeting to and reads back")
public @interface DiskConfiguration {

    @AttributeDefinition(description = "Path of the image file, opened as raw over file")
    String image();

    @AttributeDefinition(name = "Node name", description = "The name of the node in the block graph")
    String node_name() default "example";

    @AttributeDefinition(description = "What the component writes at offset 0")
    String greeting() default "hello from an example bundle";
}
