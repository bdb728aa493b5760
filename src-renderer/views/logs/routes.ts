import type { RouteRecordRaw } from 'vue-router';

export default [
  { path: '/logs', name: 'logs', component: () => import('./LogsView.vue'), meta: { nav: { label: 'nav.logs', icon: '≡', order: 10 } } },
] satisfies RouteRecordRaw[];
