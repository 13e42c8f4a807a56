package io.chatroute.routing.domain;

import java.util.List;
import java.util.Optional;

/** A pre-chat form: an ordered list of fields. */
public record FormDefinition(List<FormField> fields) {
    public List<FormField> fieldsOrEmpty() {
        return fields == null ? List.of() : fields;
    }

    public Optional<FormField> field(String name) {
        return fieldsOrEmpty().stream().filter(f -> f.name() != null && f.name().equals(name)).findFirst();
    }
}
