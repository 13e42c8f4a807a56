package io.chatroute.knowledge.persistence;

import java.sql.SQLException;

import org.hibernate.JDBCException;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.DatabaseException;

/** PostgreSQL's unique_violation (SQLSTATE 23505), found anywhere in a cause chain however it was wrapped. */
public final class UniqueViolation {

    /** PostgreSQL's SQLSTATE unique_violation. */
    public static final String SQLSTATE = "23505";

    private UniqueViolation() {
    }

    /** Whether {@code t} or one of its causes is a unique violation. */
    public static boolean in(Throwable t) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            if (SQLSTATE.equals(state(t))) {
                return true;
            }
        }
        return false;
    }

    /** The name of the violated constraint when a cause carries it, else null. */
    public static String constraint(Throwable t) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t instanceof org.hibernate.exception.ConstraintViolationException e && e.getConstraintName() != null) {
                return e.getConstraintName();
            }
            if (t instanceof PgException e && e.getConstraint() != null) {
                return e.getConstraint();
            }
        }
        return null;
    }

    private static String state(Throwable t) {
        return switch (t) {
            case SQLException e -> e.getSQLState();
            case JDBCException e -> e.getSQLState();
            case DatabaseException e -> e.getSqlState();
            default -> null;
        };
    }
}
