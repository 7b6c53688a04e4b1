package dev.forker.boot.session;

import reactor.core.publisher.Mono;

import org.springframework.session.ReactiveSessionRepository;

import dev.forker.boot.session.SharedSessionRepository.SharedSession;

/**
 * The reactive face of {@link SharedSessionRepository}, for WebFlux's {@code WebSession}.
 * Its calls run on the caller's thread: they read and write small files in memory (a
 * tmpfs), which does not block the way a network round trip does.
 *
 * @since 0.1.0
 */
public class ReactiveSharedSessionRepository implements ReactiveSessionRepository<SharedSession> {

	private final SharedSessionRepository repository;

	/**
	 * Create a new instance.
	 * @param repository the repository of the session files
	 */
	public ReactiveSharedSessionRepository(SharedSessionRepository repository) {
		this.repository = repository;
	}

	@Override
	public Mono<SharedSession> createSession() {
		return Mono.fromSupplier(this.repository::createSession);
	}

	@Override
	public Mono<Void> save(SharedSession session) {
		return Mono.fromRunnable(() -> this.repository.save(session));
	}

	@Override
	public Mono<SharedSession> findById(String id) {
		return Mono.fromCallable(() -> this.repository.findById(id));
	}

	@Override
	public Mono<Void> deleteById(String id) {
		return Mono.fromRunnable(() -> this.repository.deleteById(id));
	}

}
