import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

/** Navigation entry shown in the sidebar, declared by each area's routes file. */
export interface NavMeta {
  nav?: { label: string; icon: string; order: number };
  /** Full-screen, no chrome (kiosk wallboards). */
  bare?: boolean;
}

declare module 'vue-router' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface RouteMeta extends NavMeta {}
}

/** Each area declares its routes in `views/<area>/routes.ts`. */
const areas = import.meta.glob<RouteRecordRaw[]>('./views/*/routes.ts', { eager: true, import: 'default' });
export const routes: RouteRecordRaw[] = Object.values(areas).flat();

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [...routes, { path: '/:rest(.*)*', redirect: '/' }],
});
