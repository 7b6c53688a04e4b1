package dev.forker.sample.postgres;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * The sample's own settings.
 */
@Component
@ConfigurationProperties("app")
class AppProperties {

	private final Jobs jobs = new Jobs();

	Jobs getJobs() {
		return this.jobs;
	}

	static class Jobs {

		/**
		 * How long each run of a job takes.
		 */
		private Duration duration = Duration.ofMillis(50);

		Duration getDuration() {
			return this.duration;
		}

		void setDuration(Duration duration) {
			this.duration = duration;
		}

	}

}
