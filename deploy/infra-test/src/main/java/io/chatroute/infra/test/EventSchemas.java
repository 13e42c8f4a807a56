package io.chatroute.infra.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * Checks event payloads against the JSON Schema that the producing service publishes in
 * {@code <service>/src/main/resources/schemas/events/<type>.json}. Consumers' tests use it on the
 * events they feed in, so a producer changing its schema breaks the consumer's build, not production.
 */
public final class EventSchemas {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EventSchemas() {
    }

    /** The schema file of an event type, as owned by its producing service (e.g. "session-service", "chat.requested"). */
    public static Path schemaFile(String producingService, String eventType) {
        return repositoryRoot().resolve(producingService).resolve("src/main/resources/schemas/events").resolve(eventType + ".json");
    }

    /** Throws an AssertionError listing every violation when {@code json} does not match the producer's schema. */
    public static void assertValid(String producingService, String eventType, String json) {
        Path file = schemaFile(producingService, eventType);
        if (!Files.exists(file)) {
            throw new AssertionError("no schema for " + eventType + " at " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            Set<ValidationMessage> errors = schema.validate(MAPPER.readTree(json));
            if (!errors.isEmpty()) {
                throw new AssertionError(eventType + " does not match " + file + ": "
                        + errors.stream().map(ValidationMessage::getMessage).collect(Collectors.joining("; ")) + "\n" + json);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkout's root: the nearest directory upwards that holds both pom.xml and deploy/. */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.exists(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("deploy"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("not inside the ChatRoute checkout: " + Path.of("").toAbsolutePath());
    }
}
