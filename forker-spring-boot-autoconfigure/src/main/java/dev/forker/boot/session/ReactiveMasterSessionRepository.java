package dev.forker.boot.session;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.session.MapSession;
import org.springframework.session.ReactiveSessionRepository;

/**
 * The reactive face of {@link MasterSessionRepository}, for WebFlux's {@code WebSession}:
 * each call runs on Reactor's bounded elastic scheduler, as the round trip to the master
 * blocks.
 *
 * @since 0.1.0
 */
public class ReactiveMasterSessionRepository implements ReactiveSessionRepository<MapSession> {

	private final MasterSessionRepository repository;

	/**
	 * Create a new instance.
	 * @param repository the repository that talks to the master
	 */
	public ReactiveMasterSessionRepository(MasterSessionRepository repository) {
		this.repository = repository;
	}

	@Override
	public Mono<MapSession> createSession() {
		return Mono.fromSupplier(this.repository::createSession);
	}

	@Override
	public Mono<Void> save(MapSession session) {
		return Mono.<Void>fromRunnable(() -> this.repository.save(session)).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<MapSession> findById(String id) {
		return Mono.fromCallable(() -> this.repository.findById(id)).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<Void> deleteById(String id) {
		return Mono.<Void>fromRunnable(() -> this.repository.deleteById(id)).subscribeOn(Schedulers.boundedElastic());
	}

}
