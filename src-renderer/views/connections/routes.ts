import type { RouteRecordRaw } from 'vue-router';

export default [
  { path: '/', name: 'connections', component: () => import('./ConnectionsView.vue'), meta: { nav: { label: 'nav.connections', icon: '◉', order: 0 } } },
] satisfies RouteRecordRaw[];
