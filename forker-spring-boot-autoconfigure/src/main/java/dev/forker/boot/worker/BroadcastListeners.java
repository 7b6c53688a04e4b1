package dev.forker.boot.worker;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The listeners of the broadcasts other workers send through the master, by topic. Each
 * delivery is handed to the listeners of its topic on a thread of their own, one delivery
 * at a time in the order the master sent them, so that a listener never holds up the link
 * to the master; the delivery is acknowledged once every listener has returned (or
 * failed), and at once when its topic has no listener.
 *
 * @since 0.1.0
 */
final class BroadcastListeners {

	private static final Log logger = LogFactory.getLog(BroadcastListeners.class);

	private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();

	private final LongConsumer acknowledge;

	private final ExecutorService deliveries = Executors.newSingleThreadExecutor((task) -> {
		Thread thread = new Thread(task, "forker-deliveries");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * Create a new instance.
	 * @param acknowledge tells the master that a delivery was handled, by its id
	 */
	BroadcastListeners(LongConsumer acknowledge) {
		this.acknowledge = acknowledge;
	}

	/**
	 * Add a listener of a topic.
	 * @param topic the topic
	 * @param listener called with the payload of every delivery of the topic
	 */
	void add(String topic, Consumer<String> listener) {
		this.listeners.computeIfAbsent(topic, (key) -> new CopyOnWriteArrayList<>()).add(listener);
	}

	/**
	 * A delivery arrived: run its listeners, then acknowledge it.
	 * @param deliveryId the id of the delivery
	 * @param topic its topic
	 * @param payload its payload
	 */
	void deliver(long deliveryId, String topic, String payload) {
		try {
			this.deliveries.execute(() -> {
				for (Consumer<String> listener : this.listeners.getOrDefault(topic, List.of())) {
					try {
						listener.accept(payload);
					}
					catch (RuntimeException ex) {
						logger.warn("A listener of the broadcasts of topic " + topic + " failed", ex);
					}
				}
				this.acknowledge.accept(deliveryId);
			});
		}
		catch (RejectedExecutionException ex) {
			// Closed: this worker is stopping
		}
	}

	void close() {
		this.deliveries.shutdownNow();
	}

}
