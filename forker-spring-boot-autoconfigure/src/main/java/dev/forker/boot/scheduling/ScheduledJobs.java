package dev.forker.boot.scheduling;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds the {@code @Scheduled} method behind a job from the name Spring gives it: the
 * class name, a dot, and the method name.
 *
 * @since 0.1.0
 */
final class ScheduledJobs {

	private ScheduledJobs() {
	}

	/**
	 * Return whether the method a job runs, or its class, is annotated with
	 * {@link EveryWorker}.
	 * @param name the job's name, such as {@code com.example.Jobs.report}
	 * @param classLoader the class loader of the application
	 * @return whether it is
	 */
	static boolean isAnnotatedEveryWorker(String name, ClassLoader classLoader) {
		Method method = method(name, classLoader);
		return method != null && (AnnotatedElementUtils.hasAnnotation(method, EveryWorker.class)
				|| AnnotatedElementUtils.hasAnnotation(method.getDeclaringClass(), EveryWorker.class));
	}

	private static @Nullable Method method(String name, ClassLoader classLoader) {
		int dot = name.lastIndexOf('.');
		if (dot <= 0 || dot == name.length() - 1) {
			return null;
		}
		String className = name.substring(0, dot);
		if (!ClassUtils.isPresent(className, classLoader)) {
			return null;
		}
		Class<?> type = ClassUtils.resolveClassName(className, classLoader);
		return ReflectionUtils.findMethod(type, name.substring(dot + 1));
	}

}
