/**
 * Groups named by `@InjectGroup` anywhere in the program. Decorators run when their classes'
 * modules are imported, which is before `CohortModule.forRoot()` is evaluated in the importing
 * module's `@Module` metadata, so forRoot can provide a handle for each of them.
 * `CohortModule.forFeature(...)` declares groups explicitly when imports are ordered otherwise.
 */
export const declaredGroups = new Set<string>();
