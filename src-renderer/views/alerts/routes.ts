import type { RouteRecordRaw } from 'vue-router';

export default [
  { path: '/alerts', name: 'alerts', component: () => import('./AlertsView.vue'), meta: { nav: { label: 'nav.alerts', icon: '⚠', order: 55 } } },
] satisfies RouteRecordRaw[];
