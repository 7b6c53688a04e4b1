package dev.forker.boot.scheduling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code @Scheduled} method (or every {@code @Scheduled} method of a class) as a
 * job that runs in every forker worker, such as one that refreshes a cache each worker
 * holds. Other scheduled jobs run once per application: in the one worker that holds the
 * {@link dev.forker.boot.WorkerRole#SCHEDULER scheduler} role.
 * <p>
 * Without forker, or with {@code forker.scheduling.mode=every-worker}, it changes
 * nothing.
 *
 * @since 0.1.0
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface EveryWorker {

}
