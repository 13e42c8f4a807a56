package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RulesTest {
    static final FormDefinition FORM = new FormDefinition(List.of(
            new FormField("topic", "select", true, List.of("billing", "delivery", "returns")),
            new FormField("language", "select", false, List.of("en", "ru")),
            new FormField("email", "email", false, null)));
    static final Map<String, QueueDefinition> QUEUES = Map.of(
            "billing-ru", new QueueDefinition("billing-ru", "Billing RU", Map.of("billing", 2), 0, 20, null, null, null),
            "general", new QueueDefinition("general", "General", Map.of(), 0, 20, null, null, null));

    static RoutingRule rule(String id, Map<String, Object> when, String queue) {
        return new RoutingRule(id, when, queue, null, Map.of());
    }

    @Test
    void firstMatchWinsAndSkillsMerge() {
        List<RoutingRule> rules = List.of(
                new RoutingRule("ru-billing", Map.of("topic", "BILLING", "language", List.of("ru")), "billing-ru", 1, Map.of("lang:ru", 1, "billing", 1)),
                rule("default", Map.of(), "general"));
        Rules.Evaluation ev = Rules.evaluate(rules, QUEUES, Map.of("topic", "billing", "language", "ru"));
        assertThat(ev.rule().id()).isEqualTo("ru-billing");
        assertThat(ev.requiredSkills()).isEqualTo(Map.of("billing", 2, "lang:ru", 1));
        assertThat(ev.priority()).isEqualTo(1);

        Rules.Evaluation other = Rules.evaluate(rules, QUEUES, Map.of("topic", "billing", "language", "en"));
        assertThat(other.rule().id()).isEqualTo("default");
        assertThat(other.checks().getFirst().reason()).contains("language");
    }

    @Test
    void presentMatchesOnlyNonEmpty() {
        RoutingRule r = rule("has-email", Map.of("email", "*"), "general");
        assertThat(r.matches(Map.of("email", "a@b.c"))).isTrue();
        assertThat(r.matches(Map.of("email", " "))).isFalse();
        assertThat(r.matches(Map.of())).isFalse();
    }

    @Test
    void noRuleMatches() {
        Rules.Evaluation ev = Rules.evaluate(List.of(rule("b", Map.of("topic", "billing"), "general")), QUEUES, Map.of("topic", "returns"));
        assertThat(ev.matched()).isFalse();
    }

    @Test
    void validRulesPass() {
        List<RoutingRule> rules = List.of(
                rule("ru-billing", Map.of("topic", "billing", "language", List.of("ru")), "billing-ru"),
                rule("billing", Map.of("topic", "billing"), "general"),
                rule("default", Map.of(), "general"));
        assertThat(Rules.validate(rules, List.of(FORM), QUEUES.keySet())).isEmpty();
    }

    @Test
    void rejectsUnknownFieldMissingOptionAndQueue() {
        List<RoutingRule> rules = List.of(
                rule("a", Map.of("colour", "red"), "general"),
                rule("b", Map.of("topic", "refunds"), "general"),
                rule("c", Map.of("topic", "billing"), "nowhere"));
        assertThat(Rules.validate(rules, List.of(FORM), QUEUES.keySet())).extracting(FieldError::field)
                .containsExactlyInAnyOrder("[0].when.colour", "[1].when.topic", "[2].queueId");
    }

    @Test
    void rejectsRulesThatCanNeverMatch() {
        List<RoutingRule> afterCatchAll = List.of(rule("default", Map.of(), "general"), rule("late", Map.of("topic", "billing"), "general"));
        assertThat(Rules.validate(afterCatchAll, List.of(FORM), QUEUES.keySet()))
                .singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("[1]");
                    assertThat(e.message()).contains("never match").contains("default");
                });
        List<RoutingRule> narrower = List.of(
                rule("billing-or-delivery", Map.of("topic", List.of("billing", "delivery")), "general"),
                rule("billing-ru", Map.of("topic", "billing", "language", "ru"), "general"));
        assertThat(Rules.validate(narrower, List.of(FORM), QUEUES.keySet())).extracting(FieldError::field).containsExactly("[1]");
        List<RoutingRule> wider = List.of(
                rule("billing-ru", Map.of("topic", "billing", "language", "ru"), "general"),
                rule("billing", Map.of("topic", "*"), "general"));
        assertThat(Rules.validate(wider, List.of(FORM), QUEUES.keySet())).isEmpty();
    }

    @Test
    void rejectsDuplicateIdsAndBadConditions() {
        List<RoutingRule> rules = List.of(rule("x", Map.of("topic", List.of()), "general"), rule("x", Map.of("topic", 5.5), "general"));
        assertThat(Rules.validate(rules, List.of(FORM), Set.of("general"))).extracting(FieldError::field)
                .contains("[0].when.topic", "[1].id");
    }
}
