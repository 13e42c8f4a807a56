package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class CsvTest {

    @Test
    void fieldsAreQuotedWhenTheyMustBe() {
        assertThat(Csv.line(List.of("a", "b c", 3))).isEqualTo("a,b c,3\r\n");
        assertThat(Csv.line(Arrays.asList("x,y", "say \"hi\"", null, "two\nlines"))).isEqualTo(
                "\"x,y\",\"say \"\"hi\"\"\",,\"two\nlines\"\r\n");
    }

    @Test
    void formulasAreNeutralisedAndControlCharactersRemoved() {
        assertThat(Csv.line(List.of("=1+1", "+7", "-2", "@SUM(A1)", "\tx"))).isEqualTo("'=1+1,'+7,'-2,'@SUM(A1),'\tx\r\n");
        // numbers are numbers, not text that could be a formula
        assertThat(Csv.line(List.of(-5))).isEqualTo("-5\r\n");
        assertThat(Csv.line(List.of("a\u0000b\u001b[31mc"))).isEqualTo("ab[31mc\r\n");
    }
}
