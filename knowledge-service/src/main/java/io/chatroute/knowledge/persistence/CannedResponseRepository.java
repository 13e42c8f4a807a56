package io.chatroute.knowledge.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class CannedResponseRepository implements PanacheRepositoryBase<CannedResponseEntity, String> {
}
